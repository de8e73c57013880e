"use client";

import { useState, type FormEvent } from "react";
import { FormError, inputClass, primaryButton } from "@/components/account/form-parts";
import { loadPage } from "@/lib/client/load-page";
import { useHydrated } from "@/lib/client/use-hydrated";
import { workspaceApi } from "@/lib/client/workspace-api";
import { slugFromName, spacePath, workspaceNameMaxChars, workspaceSlugPattern } from "@/lib/shared/workspaces";

/**
 * Name and address of a new workspace. The address follows the name until the person edits it;
 * once made, the workspace opens (its page makes it the active space).
 */
export function NewWorkspaceForm() {
  const hydrated = useHydrated();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const shownSlug = slugEdited ? slug : slugFromName(name);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      loadPage(spacePath(await workspaceApi.create({ name: name.trim(), slug: shownSlug })));
    } catch (thrown) {
      setError(thrown instanceof Error ? thrown.message : "The workspace was not created.");
      setPending(false);
    }
  };

  return (
    <form onSubmit={create}>
      {/* Nothing typed before hydration is lost (React would reset it), and nothing is sent natively. */}
      <fieldset disabled={!hydrated || pending} className="space-y-4">
        <label className="block space-y-1 text-sm font-medium">
          <span>Name</span>
          <input
            className={inputClass}
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={workspaceNameMaxChars}
            autoComplete="off"
          />
        </label>
        <div className="space-y-1 text-sm font-medium">
          <label htmlFor="workspace-slug">Address</label>
          <span className="flex items-center gap-1">
            <span className="text-zinc-500 dark:text-zinc-400" aria-hidden>
              /w/
            </span>
            <input
              id="workspace-slug"
              className={inputClass}
              value={shownSlug}
              onChange={(event) => {
                setSlugEdited(true);
                setSlug(event.target.value.toLowerCase());
              }}
              required
              pattern={workspaceSlugPattern.source.slice(1, -1)}
              title="2 to 40 lowercase letters, digits and single hyphens, starting and ending with a letter or digit"
              aria-describedby="workspace-slug-help"
              autoComplete="off"
            />
          </span>
          <p id="workspace-slug-help" className="text-xs font-normal text-zinc-500 dark:text-zinc-400">
            Lowercase letters, digits and hyphens; the workspace&apos;s pages live at /w/{shownSlug || "…"}.
          </p>
        </div>
        <FormError message={error} />
        <button type="submit" className={primaryButton}>
          Create workspace
        </button>
      </fieldset>
    </form>
  );
}
