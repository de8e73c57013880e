import { createServer, type Socket } from "node:net";

export type ReceivedMail = { from: string; to: string[]; subject: string; text: string };

/**
 * Enough SMTP on 127.0.0.1 for nodemailer (EHLO, MAIL, RCPT, DATA, QUIT; no TLS, no auth) to
 * deliver to: what the app's mailer sends with SMTP_URL=smtp://127.0.0.1:PORT lands in `mails`.
 */
export async function startSmtpServer() {
  const mails: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    let envelope = { from: "", to: [] as string[] };
    let data = "";
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply("220 test-smtp ready");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf("\r\n"); end !== -1; end = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            mails.push({ ...envelope, ...parseMessage(data) });
            envelope = { from: "", to: [] };
            data = "";
            reply("250 queued");
          } else data += `${line.startsWith("..") ? line.slice(1) : line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        const address = /<([^>]*)>/.exec(line)?.[1] ?? "";
        if (verb === "MAIL") envelope.from = address;
        if (verb === "RCPT") envelope.to.push(address);
        if (verb === "DATA") inData = true;
        reply(
          verb === "EHLO" || verb === "HELO"
            ? "250 test-smtp"
            : verb === "DATA"
              ? "354 go on"
              : verb === "QUIT"
                ? "221 bye"
                : "250 ok",
        );
        if (verb === "QUIT") socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    /** Waits for a mail to `to` (the app sends without waiting for delivery). */
    async mailTo(to: string, subject?: RegExp): Promise<ReceivedMail> {
      for (let i = 0; i < 100; i++) {
        const found = mails.find((m) => m.to.includes(to) && (!subject || subject.test(m.subject)));
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no mail to ${to}${subject ? ` matching ${subject}` : ""}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Subject and plain text of what nodemailer sends for `{ subject, text }` (quoted-printable or 7bit). */
function parseMessage(raw: string): { subject: string; text: string } {
  const split = raw.indexOf("\n\n");
  const head = raw.slice(0, split).replace(/\n[ \t]+/g, " ");
  const body = raw.slice(split + 2);
  const subject = /^Subject: (.*)$/im.exec(head)?.[1] ?? "";
  const qp = /^Content-Transfer-Encoding: quoted-printable$/im.test(head);
  const text = qp
    ? body.replace(/=\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    : body;
  return { subject, text: text.trimEnd() };
}
