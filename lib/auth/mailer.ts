import "server-only";
import type { Env } from "@/lib/config/env";

export type Mail = { to: string; subject: string; text: string };
export type Mailer = { send: (mail: Mail) => Promise<void> };

/**
 * Where account emails (password reset, email verification) go: SMTP when SMTP_URL is set
 * (e.g. smtps://user:pass@smtp.example.com), otherwise the server log, so development and
 * self-hosting without mail still work: the link is right there in the console.
 */
export function createMailer(env: Env = process.env): Mailer {
  if (!env.SMTP_URL) {
    return {
      async send({ to, subject, text }) {
        console.info(`[mail] to ${to}: ${subject}\n${text}\n[mail] end`);
      },
    };
  }
  const from = env.MAIL_FROM || "Threadkeeper <no-reply@localhost>";
  let transport: Promise<import("nodemailer").Transporter> | undefined;
  return {
    async send({ to, subject, text }) {
      transport ??= import("nodemailer").then((m) => m.createTransport(env.SMTP_URL));
      await (await transport).sendMail({ from, to, subject, text });
    },
  };
}
