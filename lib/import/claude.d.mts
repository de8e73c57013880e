import type { ImportedConversation, ImportLimits } from "./conversation.mjs";

export function isClaudeConversation(value: unknown): boolean;
export function mapClaudeConversation(raw: unknown, index: number, limits: ImportLimits): ImportedConversation;
