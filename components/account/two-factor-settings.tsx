"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState, type FormEvent } from "react";
import { renderSVG } from "uqr";
import { accountAuthClient } from "@/lib/client/account-auth-client";
import { useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import { Section, button, input } from "./section";

type Setup = { totpURI: string; backupCodes: string[] };

/** The key inside an otpauth:// URI, grouped in fours so it can be typed into an app by hand. */
const keyOf = (totpURI: string) => (new URL(totpURI).searchParams.get("secret") ?? "").replace(/(.{4})/g, "$1 ").trim();

function BackupCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const text = `Threadkeeper backup codes (each works once):\n${codes.join("\n")}\n`;
  const [copied, setCopied] = useState(false);
  return (
    <div className="space-y-2">
      <p className="text-sm">
        Save these backup codes somewhere safe. Each one signs you in once if you lose your phone. They are shown only
        now.
      </p>
      <ul aria-label="Backup codes" className="grid grid-cols-2 gap-1 font-mono text-sm">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className={button}
          onClick={() => navigator.clipboard.writeText(text).then(() => setCopied(true))}
        >
          {copied ? "Copied" : "Copy codes"}
        </button>
        <a
          className={button}
          download="threadkeeper-backup-codes.txt"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
        >
          Download codes
        </a>
        <button type="button" className={button} onClick={onDone}>
          I saved them
        </button>
      </div>
    </div>
  );
}

/** Two-factor on /account: turn on (QR code and key, confirmed by a first code, then backup codes once), new backup codes, turn off. */
export function TwoFactorSettings({ enabled, hasPassword }: { enabled: boolean; hasPassword: boolean }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const action = useAction();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const qr = useMemo(
    () => (setup ? `data:image/svg+xml;utf8,${encodeURIComponent(renderSVG(setup.totpURI))}` : null),
    [setup],
  );
  const password = (event: FormEvent<HTMLFormElement>) =>
    String(new FormData(event.currentTarget).get("password") ?? "") || undefined;

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const pass = password(event);
    await action.run(async () => {
      const result = await accountAuthClient.twoFactor.enable({ password: pass ?? "" });
      if (result.data && "totpURI" in result.data) setSetup(result.data);
      return result;
    }, "Scan the QR code, then enter the code your app shows.");
  }

  async function confirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get("code") ?? "").replace(/\s+/g, "");
    const ok = await action.run(() => accountAuthClient.twoFactor.verifyTotp({ code }), "Two-factor is on.");
    if (ok && setup) {
      setCodes(setup.backupCodes);
      setSetup(null);
    }
  }

  /** One password field, two buttons: new backup codes, or turn two-factor off. */
  async function manage(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const pass = password(event) ?? "";
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    if (submitter?.value === "off") {
      if (await action.run(() => accountAuthClient.twoFactor.disable({ password: pass }), "Two-factor is off."))
        router.refresh();
      return;
    }
    await action.run(async () => {
      const result = await accountAuthClient.twoFactor.generateBackupCodes({ password: pass });
      if (result.data) setCodes(result.data.backupCodes);
      return result;
    }, "New backup codes made; the old ones no longer work.");
  }

  const passwordField = hasPassword && (
    <label className="block space-y-1 text-sm">
      <span>Your password</span>
      <input name="password" type="password" autoComplete="current-password" required className={input} />
    </label>
  );

  return (
    <Section title="Two-factor authentication">
      {codes ? (
        <BackupCodes
          codes={codes}
          onDone={() => {
            setCodes(null);
            router.refresh();
          }}
        />
      ) : setup ? (
        <form onSubmit={confirm} className="space-y-3">
          {/* eslint-disable-next-line @next/next/no-img-element -- a data: URI made here, nothing to optimise */}
          <img
            src={qr!}
            alt="QR code for your authenticator app"
            width={176}
            height={176}
            className="rounded bg-white p-2"
          />
          <p className="text-sm">
            Or enter this key in the app:{" "}
            <code aria-label="Setup key" className="font-mono">
              {keyOf(setup.totpURI)}
            </code>
          </p>
          <label className="block space-y-1 text-sm">
            <span>Code from your app</span>
            <input
              name="code"
              required
              autoComplete="one-time-code"
              inputMode="numeric"
              maxLength={7}
              className={input}
            />
          </label>
          <button type="submit" className={button} disabled={!hydrated || action.pending}>
            Confirm
          </button>
        </form>
      ) : enabled ? (
        <div className="space-y-3">
          <p className="text-sm">
            Two-factor is on: signing in with your password also asks for a code from your authenticator app.
          </p>
          <form onSubmit={manage} className="space-y-2">
            {passwordField}
            <div className="flex flex-wrap gap-2">
              <button type="submit" value="codes" className={button} disabled={!hydrated || action.pending}>
                New backup codes
              </button>
              <button type="submit" value="off" className={button} disabled={!hydrated || action.pending}>
                Turn off two-factor
              </button>
            </div>
          </form>
        </div>
      ) : (
        <form onSubmit={start} className="space-y-3">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Ask for a code from an authenticator app (any TOTP app) after your password when you sign in.
          </p>
          {passwordField}
          <button type="submit" className={button} disabled={!hydrated || action.pending}>
            Turn on two-factor
          </button>
        </form>
      )}
      {action.status}
    </Section>
  );
}
