/**
 * A full page load of one of the app's own paths: after joining, creating, leaving or deleting a
 * workspace, so nothing read before the change (a list of spaces, a thread list) stays in memory.
 * The page loaded makes its space the session's active one as it renders on the server.
 */
export function loadPage(path: string) {
  window.location.assign(path);
}
