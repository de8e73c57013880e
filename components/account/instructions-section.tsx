"use client";

import { useId, type FormEvent } from "react";
import { Section, button, input } from "@/components/account/section";
import { projectApi } from "@/lib/client/project-api";
import { useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";

/**
 * /account: what the model should know about the person (their own instructions), given to the
 * model at every turn of every thread of theirs, before a project's instructions. Shown in each
 * thread under its folded "Instructions" line. Empty removes them.
 */
export function InstructionsSection({ initial, maxChars }: { initial: string; maxChars: number }) {
  const hydrated = useHydrated();
  const save = useAction();
  const fieldId = useId();
  const hintId = useId();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const instructions = String(new FormData(event.currentTarget).get("instructions") ?? "");
    await save.run(() => projectApi.setPersonalInstructions(instructions), "Saved.");
  };

  return (
    <Section title="Instructions">
      <form onSubmit={submit} className="space-y-2">
        <label htmlFor={fieldId} className="block text-sm">
          What the model should know about you
        </label>
        <textarea
          id={fieldId}
          name="instructions"
          defaultValue={initial}
          maxLength={maxChars}
          rows={5}
          aria-describedby={hintId}
          className={`${input} resize-y`}
        />
        <p id={hintId} className="text-xs text-zinc-500 dark:text-zinc-400">
          Given to the model in every thread of yours, before a project&apos;s instructions; you can read them in each
          thread under “Instructions”. At most {maxChars.toLocaleString("en")} characters; leave empty for none.
        </p>
        <button type="submit" className={button} disabled={!hydrated || save.pending}>
          Save instructions
        </button>
        {save.status}
      </form>
    </Section>
  );
}
