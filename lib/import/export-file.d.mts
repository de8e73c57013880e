import type { ImportedConversation, ImportLimits } from "./conversation.mjs";

export function mapConversation(raw: unknown, index: number, limits: ImportLimits): ImportedConversation;
export function readExport(
  path: string,
  limits: ImportLimits,
  onConversation: (value: unknown, index: number) => void | Promise<void>,
): Promise<number>;
