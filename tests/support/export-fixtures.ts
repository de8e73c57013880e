import { strToU8, zipSync } from "fflate";

/**
 * Small ChatGPT and Claude exports made in code, shaped as the two apps write them
 * (conversations.json: a list of conversations), for the import's tests.
 */

const seconds = (iso: string) => Date.parse(iso) / 1000;

type Node = {
  id: string;
  parent: string | null;
  role?: "user" | "assistant" | "system" | "tool";
  text?: string | null;
  at?: string;
  extra?: Record<string, unknown>;
  parts?: unknown[];
  contentType?: string;
  recipient?: string;
};

/** A ChatGPT conversation from a list of nodes (`text: null`: a node whose message was deleted). */
export function chatGptConversation(options: {
  title: string;
  created: string;
  updated: string;
  current: string;
  nodes: Node[];
}) {
  const mapping: Record<string, unknown> = {};
  const children = new Map<string, string[]>();
  for (const n of options.nodes)
    if (n.parent !== null) children.set(n.parent, [...(children.get(n.parent) ?? []), n.id]);
  for (const node of options.nodes) {
    mapping[node.id] = {
      id: node.id,
      parent: node.parent,
      children: children.get(node.id) ?? [],
      message:
        node.role === undefined || node.text === null
          ? null
          : {
              id: node.id,
              author: { role: node.role, name: null, metadata: {} },
              create_time: node.at ? seconds(node.at) : null,
              update_time: null,
              content: { content_type: node.contentType ?? "text", parts: node.parts ?? [node.text ?? ""] },
              status: "finished_successfully",
              end_turn: true,
              weight: 1,
              metadata: node.extra ?? {},
              recipient: node.recipient ?? "all",
            },
    };
  }
  return {
    title: options.title,
    create_time: seconds(options.created),
    update_time: seconds(options.updated),
    mapping,
    moderation_results: [],
    current_node: options.current,
    conversation_id: `conv-${options.title.length}`,
    id: `conv-${options.title.length}`,
  };
}

/**
 * A branched ChatGPT conversation: the person edited their second question, so "q2" and "q2b"
 * are siblings; they were last on the edit's branch (current_node "a2b"), though the first
 * branch's reply is newer. Also a hidden system node, a tool call and its output, a deleted
 * message and an image that is not in the export.
 */
export function branchedChatGpt(title = "Garden planning") {
  return chatGptConversation({
    title,
    created: "2024-03-01T10:00:00Z",
    updated: "2024-03-02T09:00:00Z",
    current: "a2b",
    nodes: [
      { id: "root", parent: null },
      {
        id: "sys",
        parent: "root",
        role: "system",
        text: "You are ChatGPT.",
        extra: { is_visually_hidden_from_conversation: true },
      },
      { id: "q1", parent: "sys", role: "user", text: "Which tomatoes grow well in pots?", at: "2024-03-01T10:00:05Z" },
      {
        id: "call",
        parent: "q1",
        role: "assistant",
        text: "search('tomatoes pots')",
        contentType: "code",
        recipient: "browser",
        at: "2024-03-01T10:00:06Z",
      },
      { id: "out", parent: "call", role: "tool", text: "results…", at: "2024-03-01T10:00:07Z" },
      { id: "a1", parent: "out", role: "assistant", text: "Cherry tomatoes do best.", at: "2024-03-01T10:00:10Z" },
      { id: "q2", parent: "a1", role: "user", text: "And cucumbers?", at: "2024-03-01T10:01:00Z" },
      { id: "a2", parent: "q2", role: "assistant", text: "Bush cucumbers fit pots.", at: "2024-03-02T09:00:00Z" },
      { id: "q2b", parent: "a1", role: "user", text: "And peppers?", at: "2024-03-01T10:02:00Z" },
      { id: "gone", parent: "q2b", role: "assistant", text: null, at: "2024-03-01T10:02:01Z" },
      {
        id: "a2b",
        parent: "gone",
        role: "assistant",
        parts: [
          "Peppers like warmth.",
          { content_type: "image_asset_pointer", asset_pointer: "file-service://file-abc", size_bytes: 10 },
        ],
        contentType: "multimodal_text",
        text: "",
        at: "2024-03-01T10:02:30Z",
      },
    ],
  });
}

/** A plain two-message ChatGPT conversation. */
export function simpleChatGpt(title: string, question: string, answer: string, day = "2023-06-01") {
  return chatGptConversation({
    title,
    created: `${day}T08:00:00Z`,
    updated: `${day}T08:05:00Z`,
    current: "a",
    nodes: [
      { id: "root", parent: null },
      { id: "q", parent: "root", role: "user", text: question, at: `${day}T08:00:00Z` },
      { id: "a", parent: "q", role: "assistant", text: answer, at: `${day}T08:05:00Z` },
    ],
  });
}

/** A Claude conversation: a file that was attached (only its name is in the export) and an empty (deleted) message. */
export function claudeConversation(options: { name?: string; withParents?: boolean } = {}) {
  const name = options.name ?? "Sourdough starter";
  const parents = options.withParents ?? false;
  const root = "00000000-0000-4000-8000-000000000000";
  const message = (uuid: string, sender: string, text: string, at: string, parent: string, extra = {}) => ({
    uuid,
    text,
    content: text ? [{ type: "text", text }] : [],
    sender,
    created_at: at,
    updated_at: at,
    attachments: [],
    files: [],
    ...(parents && { parent_message_uuid: parent }),
    ...extra,
  });
  return {
    uuid: "c0ffee00-0000-4000-8000-000000000001",
    name,
    created_at: "2024-05-10T12:00:00.000000Z",
    updated_at: "2024-05-10T12:30:00.000000Z",
    account: { uuid: "acc" },
    chat_messages: [
      message("u1", "human", "How often should I feed my starter?", "2024-05-10T12:00:00.000000Z", root, {
        files: [{ file_name: "starter-photo.jpg" }],
      }),
      message("a1", "assistant", "Once a day at room temperature.", "2024-05-10T12:00:10.000000Z", "u1"),
      ...(parents
        ? [
            // A retry of the first answer: a sibling of a1; the person went on from a1.
            message("a1b", "assistant", "Every twelve hours if it is warm.", "2024-05-10T12:00:20.000000Z", "u1"),
          ]
        : []),
      message("u2", "human", "", "2024-05-10T12:10:00.000000Z", "a1"),
      message("u3", "human", "What flour works best?", "2024-05-10T12:20:00.000000Z", "a1"),
      message("a3", "assistant", "Whole rye makes it lively.", "2024-05-10T12:30:00.000000Z", "u3"),
    ],
  };
}

export const exportJson = (conversations: unknown[]) => JSON.stringify(conversations);

/** The export as the zip either app sends: conversations.json beside other files, which are never read. */
export function exportZip(conversations: unknown[], folder = "") {
  return zipSync({
    [`${folder}user.json`]: strToU8(JSON.stringify({ id: "user-1" })),
    [`${folder}conversations.json`]: strToU8(exportJson(conversations)),
    [`${folder}chat.html`]: strToU8("<html></html>"),
  });
}
