export const activityGroupLabels = ["Today", "Yesterday", "Previous 7 days", "Previous 30 days", "Older"] as const;

const dayStart = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
const day = 86_400_000;

/** Which group a thread last active at `at` belongs to, in the viewer's own calendar days. No activity yet: Today. */
export function activityGroupOf(at: Date | undefined, now: Date): (typeof activityGroupLabels)[number] {
  if (!at) return "Today";
  const days = Math.round((dayStart(now) - dayStart(at)) / day);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days <= 7) return "Previous 7 days";
  if (days <= 30) return "Previous 30 days";
  return "Older";
}

/** Consecutive runs of the (newest-first) list as labelled groups of indexes, in list order. */
export function activityGroups(activity: (Date | undefined)[], now: Date): { label: string; indexes: number[] }[] {
  const groups: { label: string; indexes: number[] }[] = [];
  activity.forEach((at, index) => {
    const label = activityGroupOf(at, now);
    const last = groups.at(-1);
    if (last?.label === label) last.indexes.push(index);
    else groups.push({ label, indexes: [index] });
  });
  return groups;
}
