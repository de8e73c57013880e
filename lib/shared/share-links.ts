/** Share links: who may open one, and what the API says about them (lib/sharing/ on the server). */

export const shareAudiences = ["signed-in", "workspace", "anyone"] as const;
export type ShareAudience = (typeof shareAudiences)[number];

/** What the instance allows (SHARE_LINKS, or an admin's choice on /admin). */
export const shareLinkModes = ["off", "signed-in", "anyone"] as const;
export type ShareLinkMode = (typeof shareLinkModes)[number];
export const isShareLinkMode = (value: unknown): value is ShareLinkMode =>
  shareLinkModes.includes(value as ShareLinkMode);

/** 32 random bytes as base64url: anything else is answered as an unknown link, without a query. */
export const shareTokenPattern = /^[A-Za-z0-9_-]{43}$/;

export type ShareLinkJson = {
  id: string;
  threadId: string;
  /** The thread's current title. */
  threadTitle: string | null;
  /** "/s/<token>"; the browser prefixes its origin. */
  path: string;
  audience: ShareAudience;
  /** The thread's workspace (null: personal). */
  workspaceId: string | null;
  createdAt: string;
  /** When the snapshot was taken. */
  updatedAt: string;
  views: number;
  messages: number;
  /** Whether the instance lets its audience open it right now. */
  available: boolean;
};

/** What an instance admin sees of a link: never its title, messages or token. */
export type AdminShareLinkRow = {
  id: string;
  userId: string;
  audience: ShareAudience;
  createdAt: string;
  updatedAt: string;
  views: number;
  messages: number;
};

export type AdminShareOverview = {
  total: number;
  byAudience: Record<ShareAudience, number>;
  people: {
    userId: string;
    name: string;
    email: string;
    total: number;
    byAudience: Record<ShareAudience, number>;
    views: number;
  }[];
};
