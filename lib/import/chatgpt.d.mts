import type { ImportedConversation, ImportLimits } from "./conversation.mjs";

export function isChatGptConversation(value: unknown): boolean;
export function mapChatGptConversation(raw: unknown, index: number, limits: ImportLimits): ImportedConversation;
