import type { ReactNode } from "react";

// Every cell gets room on both sides (none at the table's outer edges, which line up with the
// text around it), so neighbouring columns never read as one word ("adminactive"). Wrapped
// headers end right above their column; cells start at the top, level with a row's wrapped buttons.
const cells =
  "[&_:is(th,td)]:px-1.5 [&_:is(th,td)]:py-1.5 [&_:is(th,td):first-child]:pl-0 [&_:is(th,td):last-child]:pr-0 [&_td]:align-top [&_tbody_th]:align-top [&_thead_th]:align-bottom";

/**
 * A table of /admin (thead and tbody as children). Wider than the screen, it scrolls sideways
 * inside its own box, never the page; `minWidth` (a Tailwind `min-w-…` class) keeps its columns
 * from being squeezed narrower than they read well before that.
 */
export function DataTable({
  caption,
  minWidth,
  children,
}: {
  caption: string;
  minWidth?: string;
  children: ReactNode;
}) {
  return (
    // relative: screen-reader-only text in a cell (position: absolute) is placed, and so clipped,
    // inside this box; without it, it sits out past the page's right edge and the page scrolls.
    <div className="relative overflow-x-auto">
      <table className={`w-full text-sm ${minWidth ?? ""} ${cells}`}>
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  );
}
