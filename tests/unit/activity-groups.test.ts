import { describe, expect, it } from "vitest";
import { activityGroupOf, activityGroups } from "@/lib/shared/activity-groups";

const now = new Date(2026, 10, 23, 9, 30);
const daysAgo = (n: number, hour = 12) => new Date(2026, 10, 23 - n, hour);

describe("thread list groups by last activity", () => {
  it.each([
    [new Date(2026, 10, 23, 0, 1), "Today"],
    [undefined, "Today"],
    [daysAgo(1, 23), "Yesterday"],
    [daysAgo(1, 0), "Yesterday"],
    [daysAgo(2), "Previous 7 days"],
    [daysAgo(7), "Previous 7 days"],
    [daysAgo(8), "Previous 30 days"],
    [daysAgo(30), "Previous 30 days"],
    [daysAgo(31), "Older"],
    [daysAgo(400), "Older"],
  ])("%s → %s", (at, label) => {
    expect(activityGroupOf(at, now)).toBe(label);
  });

  it("keeps list order and makes one heading per run", () => {
    expect(activityGroups([daysAgo(0), daysAgo(0), daysAgo(1), daysAgo(45)], now)).toEqual([
      { label: "Today", indexes: [0, 1] },
      { label: "Yesterday", indexes: [2] },
      { label: "Older", indexes: [3] },
    ]);
  });
});
