import pg from "pg";

/** Direct access to the test server's database, to check what the API did (or did not) write. */
export async function withDb<T>(
  run: (client: pg.Client) => Promise<T>,
  url = process.env.E2E_DATABASE_URL,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

// Tests run in parallel, so a snapshot covers the users under test, not whole tables.
const rowsOf: Record<string, string> = {
  user: `select row_to_json(t)::text as row from "user" t where id = any($1) order by 1`,
  session: `select row_to_json(t)::text as row from session t where user_id = any($1) order by 1`,
  account: `select row_to_json(t)::text as row from account t where user_id = any($1) order by 1`,
  thread: `select row_to_json(t)::text as row from thread t where user_id = any($1) order by 1`,
  message: `select row_to_json(m)::text as row from message m join thread t on t.id = m.thread_id where t.user_id = any($1) order by 1`,
  attachment: `select row_to_json(t)::text as row from attachment t where user_id = any($1) order by 1`,
  share_link: `select row_to_json(t)::text as row from share_link t where user_id = any($1) order by 1`,
  share_link_message: `select row_to_json(m)::text as row from share_link_message m join share_link l on l.id = m.link_id where l.user_id = any($1) order by 1`,
  share_file: `select row_to_json(t)::text as row from share_file t where user_id = any($1) order by 1`,
  conversation_import: `select row_to_json(t)::text as row from conversation_import t where user_id = any($1) order by 1`,
};

/** Every row these users own, as text: equal snapshots mean byte-for-byte equal rows. */
export const snapshotUsers = (userIds: string[]) =>
  withDb(async (client) => {
    const out: Record<string, string[]> = {};
    for (const [table, query] of Object.entries(rowsOf)) {
      out[table] = (await client.query(query, [userIds])).rows.map((r) => r.row as string);
    }
    return out;
  });

/** How many rows of each table these users own. */
export const countRowsOf = async (userIds: string[]) =>
  Object.fromEntries(Object.entries(await snapshotUsers(userIds)).map(([table, rows]) => [table, rows.length]));

/** What only admins change: invitations and instance settings, whole tables (no other test on this server writes them). */
export const snapshotAdminState = () =>
  withDb(async (client) => ({
    invitation: (await client.query(`select row_to_json(t)::text as row from invitation t order by 1`)).rows.map(
      (r) => r.row as string,
    ),
    instanceSetting: (
      await client.query(`select row_to_json(t)::text as row from instance_setting t order by 1`)
    ).rows.map((r) => r.row as string),
  }));
