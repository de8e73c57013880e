import pg from "pg";

export type SeedSize = {
  /** Threads of the benchmark user (the one whose list is measured). */
  userThreads: number;
  /** Threads of everyone else, spread over `otherUsers`. */
  otherThreads: number;
  otherUsers: number;
  messagesPerThread: number;
  /** Messages in the one long thread that "thread open" reads. */
  longThreadMessages: number;
};

export const sizeForScale = (scale: number): SeedSize => ({
  userThreads: 10_000,
  otherThreads: 90_000 * scale + 10_000 * (scale - 1),
  otherUsers: 1_000 * scale,
  messagesPerThread: 10,
  longThreadMessages: 500,
});

/**
 * Fills the database with SQL alone (generate_series), fast enough for 100,000 threads and
 * 1,000,000 messages in seconds: ids, owners, statuses (1 in 10 archived), spread-out activity
 * times, and user/assistant messages chained parent to child as the app stores them.
 */
export async function seed(
  url: string,
  userId: string,
  size: SeedSize,
  prefix = "bench",
): Promise<{ longThreadId: string; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  try {
    await client.query("begin");
    await client.query(
      `insert into "user" (id, name, email)
       select $1 || '-u' || g, 'User ' || g, $1 || '-u' || g || '@bench.invalid' from generate_series(1, $2::int) g`,
      [prefix, size.otherUsers],
    );
    // Activity times 37 s apart, newest first: 10,000 threads span about four days.
    const threadColumns = `'Thread ' || g || ' about ' || md5(g::text), case when g % 10 = 0 then 'archived' else 'regular' end,
      now() - make_interval(secs => g * 37), now() - make_interval(secs => g * 37), now() - make_interval(secs => g * 37)`;
    await client.query(
      `insert into thread (user_id, title, status, created_at, updated_at, last_message_at)
       select $1, ${threadColumns} from generate_series(1, $2::int) g`,
      [userId, size.userThreads],
    );
    await client.query(
      `insert into thread (user_id, title, status, created_at, updated_at, last_message_at)
       select $1 || '-u' || (1 + g % $3::int), ${threadColumns} from generate_series(1, $2::int) g`,
      [prefix, size.otherThreads, size.otherUsers],
    );
    await client.query(
      `insert into message (thread_id, id, parent_id, role, format, content, status, created_at)
       select t.id, 'm' || i, case when i = 1 then null else 'm' || (i - 1) end,
              case when i % 2 = 1 then 'user' else 'assistant' end, 'ai-sdk/v6',
              jsonb_build_object('role', case when i % 2 = 1 then 'user' else 'assistant' end,
                                 'parts', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'Message ' || i || ': ' || repeat(md5(t.id::text || i), 4)))),
              'complete', t.created_at + make_interval(secs => i)
       from thread t cross join generate_series(1, $1::int) i
       where t.user_id = $2 or t.user_id like $3 || '-u%'`,
      [size.messagesPerThread, userId, prefix],
    );
    const { rows } = await client.query(
      `insert into thread (user_id, title, created_at, updated_at, last_message_at)
       values ($1, 'The long thread', now() - interval '400 days', now() - interval '400 days', now() - interval '400 days') returning id`,
      [userId],
    );
    const longThreadId = rows[0].id as string;
    await client.query(
      `insert into message (thread_id, id, parent_id, role, format, content, status, created_at)
       select $1, 'm' || i, case when i = 1 then null else 'm' || (i - 1) end,
              case when i % 2 = 1 then 'user' else 'assistant' end, 'ai-sdk/v6',
              jsonb_build_object('role', case when i % 2 = 1 then 'user' else 'assistant' end,
                                 'parts', jsonb_build_array(jsonb_build_object('type', 'text', 'text', repeat('A realistic paragraph of chat text. ', 20)))),
              'complete', now() - interval '400 days' + make_interval(secs => i)
       from generate_series(1, $2::int) i`,
      [longThreadId, size.longThreadMessages],
    );
    await client.query("commit");
    await client.query("analyze");
    return { longThreadId, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    await client.end();
  }
}
