import "server-only";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { project, projectFile, thread, user, userInstructions, workspaceMember } from "@/db/schema";
import { ApiError, notFound } from "@/lib/http/errors";
import { queryRows } from "@/lib/db/rows";
import { uuidPattern } from "@/lib/db/keyset-cursor";
import { visibleTo } from "@/lib/chat/visibility";
import { summaryColumns, type ThreadView } from "@/lib/chat/threads";
import type { ProjectJson, ProjectListItemJson, ThreadInstructionsJson } from "@/lib/shared/projects";
import { projectLimits, type ProjectLimits } from "@/lib/projects/limits";
import { projectEditableBy, projectVisibleTo, usableProject } from "@/lib/projects/access";

export { projectEditableBy, projectVisibleTo, usableProject };

/**
 * Every project query of the app (files: project-files.ts). As in lib/chat/threads.ts, each
 * function takes the caller's id first and puts the rule of lib/projects/access.ts in the same
 * statement, so a project the caller may not see answers exactly like one that does not exist
 * (null → 404 "Project not found."). A caller who may see but not edit it gets "forbidden" (403).
 */

/** Ids that cannot name a row are missing rows, not a database error (a uuid column refuses them). */
export const isUuid = (id: string) => uuidPattern.test(id);

/** Projects one sidebar lists at most (one space's; a person creates at most MAX_PROJECTS_PER_USER). */
const maxListed = 200;
/** Threads shown under each project in the sidebar. */
const threadsPerProject = 5;

type ProjectRow = Omit<ProjectJson, "createdAt" | "updatedAt"> & { createdAt: Date; updatedAt: Date };

const projectJson = (row: ProjectRow): ProjectJson => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const tooLong = (max: number) =>
  new ApiError("bad_request", `Invalid request: instructions may be at most ${max} characters.`);

/**
 * The instructions a turn of this thread follows, read in one statement: the author's own, and
 * the thread's project's when the caller may still use it and it is of the thread's current
 * space. Null when the thread is not the caller's (readers of a shared thread included).
 */
export async function instructionsOfThread(
  db: AppDatabase,
  userId: string,
  threadId: string,
): Promise<ThreadInstructionsJson | null> {
  if (!isUuid(threadId)) return null;
  const [row] = await queryRows<{
    personal: string | null;
    project_id: string | null;
    project_name: string | null;
    project_instructions: string | null;
  }>(
    db,
    sql`select ui.instructions as personal, p.id as project_id, p.name as project_name,
               p.instructions as project_instructions
        from ${thread} t
        left join ${userInstructions} ui on ui.user_id = t.user_id
        left join ${project} p on ${usableProject(userId, sql`t.project_id`, sql`t.workspace_id`)}
        where t.id = ${threadId} and t.user_id = ${userId}`,
  );
  if (!row) return null;
  return {
    personal: row.personal || null,
    project:
      row.project_id === null
        ? null
        : { id: row.project_id, name: row.project_name ?? "", instructions: row.project_instructions ?? "" },
  };
}

export function createProjectStore(db: AppDatabase = defaultDb, limits: ProjectLimits = projectLimits) {
  const isMemberLocked = (userId: string, workspaceId: string) =>
    sql`exists (select 1 from ${workspaceMember} m where m.workspace_id = ${workspaceId} and m.user_id = ${userId} for share)`;

  const columns = (userId: string) => ({
    id: project.id,
    name: project.name,
    instructions: project.instructions,
    workspaceId: project.workspaceId,
    canEdit: sql<boolean>`${projectEditableBy(userId, sql`${project}`)}`,
    creatorName: user.name,
    files: sql<number>`(select count(*) from ${projectFile} f where f.project_id = ${project.id})`.mapWith(Number),
    createdAt: project.createdAt,
    updatedAt: project.updatedAt,
  });

  async function getWith(executor: AppDatabase, userId: string, projectId: string): Promise<ProjectJson | null> {
    if (!isUuid(projectId)) return null;
    const [row] = await executor
      .select(columns(userId))
      .from(project)
      .innerJoin(user, eq(user.id, project.userId))
      .where(and(eq(project.id, projectId), projectVisibleTo(userId, sql`${project}`)));
    return row ? projectJson(row) : null;
  }

  /** The project as the caller sees it, or null exactly as for a missing one. */
  const getProjectForUser = (userId: string, projectId: string) => getWith(db, userId, projectId);

  /**
   * The projects of one space the caller may see (personal: `workspaceId` null, their own; a
   * workspace: only while they are a member), newest change first, each with the caller's newest
   * threads in it (their own and those shared with them, not archived).
   */
  async function listProjectsForUser(userId: string, workspaceId: string | null): Promise<ProjectListItemJson[]> {
    const rows = await db
      .select(columns(userId))
      .from(project)
      .innerJoin(user, eq(user.id, project.userId))
      .where(
        workspaceId === null
          ? and(isNull(project.workspaceId), eq(project.userId, userId))
          : and(eq(project.workspaceId, workspaceId), projectVisibleTo(userId, sql`${project}`)),
      )
      .orderBy(desc(project.updatedAt), desc(project.id))
      .limit(maxListed);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    // The newest few per project in one statement; the projects were just checked visible, and each
    // thread is checked visible to the caller here.
    const threadRows = await queryRows<{ project_id: string; id: string; title: string | null }>(
      db,
      sql`select project_id, id, title from (
            select t.project_id, t.id, t.title,
                   row_number() over (partition by t.project_id order by t.updated_at desc, t.id desc) as n
            from ${thread} t
            where t.project_id in ${ids} and t.status = 'regular' and ${visibleTo(userId)}
          ) x where n <= ${threadsPerProject}
          order by n`,
    );
    const byProject = Map.groupBy(threadRows, (r) => r.project_id);
    return rows.map((r) => ({
      ...projectJson(r),
      threads: (byProject.get(r.id) ?? []).map((t) => ({ id: t.id, title: t.title })),
    }));
  }

  /**
   * A new project of the caller in their personal space (`workspaceId` null) or in a workspace
   * they are a member of (checked in the statement, the membership row locked until it commits:
   * a 404 "Workspace not found." when not). At most MAX_PROJECTS_PER_USER per person, counted
   * under a per-person lock so projects created at once cannot pass it together (409).
   */
  async function createProjectForUser(
    userId: string,
    workspaceId: string | null,
    values: { name: string; instructions?: string },
  ): Promise<ProjectJson> {
    const instructions = values.instructions ?? "";
    if (instructions.length > limits.maxInstructionsChars) throw tooLong(limits.maxInstructionsChars);
    return db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`project:${userId}`}))`);
      const [row] = await queryRows<{ id: string | null; member: boolean }>(
        tx,
        sql`with allowed as (
              select ${workspaceId}::text is null or ${workspaceId === null ? sql`false` : isMemberLocked(userId, workspaceId)} as member,
                     (select count(*)::int from ${project} where user_id = ${userId}) as made_before
            ), made as (
              insert into ${project} (user_id, workspace_id, name, instructions)
              select ${userId}, ${workspaceId}::text, ${values.name}, ${instructions}
              from allowed where member and made_before < ${limits.maxProjectsPerUser}
              returning id
            )
            select (select id from made) as id, member from allowed`,
      );
      if (!row.member) throw notFound("Workspace");
      if (row.id === null) {
        throw new ApiError(
          "conflict",
          `You have reached the limit of ${limits.maxProjectsPerUser} projects. Delete one to make another.`,
        );
      }
      return (await getWith(tx, userId, row.id))!;
    });
  }

  /**
   * Renames the project or changes its instructions (those given), when the caller may edit it;
   * "forbidden" when they may only see it, null when not even that.
   */
  async function updateProjectForUser(
    userId: string,
    projectId: string,
    values: { name?: string; instructions?: string },
  ): Promise<ProjectJson | "forbidden" | null> {
    if (!isUuid(projectId)) return null;
    if (values.instructions !== undefined && values.instructions.length > limits.maxInstructionsChars)
      throw tooLong(limits.maxInstructionsChars);
    const updated = await db
      .update(project)
      .set({
        ...(values.name !== undefined && { name: values.name }),
        ...(values.instructions !== undefined && { instructions: values.instructions }),
        updatedAt: sql`now()`,
      })
      .where(and(eq(project.id, projectId), projectEditableBy(userId, sql`${project}`)))
      .returning({ id: project.id });
    const seen = await getProjectForUser(userId, projectId);
    if (!seen) return null;
    return updated.length > 0 ? seen : "forbidden";
  }

  /**
   * Deletes the project with its files and passages, when the caller may edit it. Its threads
   * stay where they are, out of any project (the foreign key sets their project to null).
   */
  async function deleteProjectForUser(userId: string, projectId: string): Promise<"done" | "forbidden" | null> {
    if (!isUuid(projectId)) return null;
    const deleted = await db
      .delete(project)
      .where(and(eq(project.id, projectId), projectEditableBy(userId, sql`${project}`)))
      .returning({ id: project.id });
    if (deleted.length > 0) return "done";
    return (await getProjectForUser(userId, projectId)) ? "forbidden" : null;
  }

  /**
   * The project's threads the caller may see: their own and those shared with them (not
   * archived), newest activity first. Null when the project is not visible to the caller.
   */
  async function listProjectThreadsForUser(
    userId: string,
    projectId: string,
    limit = 100,
  ): Promise<ThreadView[] | null> {
    if (!(await getProjectForUser(userId, projectId))) return null;
    const rows = await db
      .select({ ...summaryColumns, own: sql<boolean>`${thread.userId} = ${userId}`, authorName: user.name })
      .from(thread)
      .innerJoin(user, eq(user.id, thread.userId))
      .innerJoin(project, eq(project.id, thread.projectId))
      .where(
        and(
          eq(thread.projectId, projectId),
          eq(thread.status, "regular"),
          visibleTo(userId, sql`${thread}`),
          projectVisibleTo(userId, sql`${project}`),
        ),
      )
      .orderBy(desc(thread.updatedAt), desc(thread.id))
      .limit(Math.max(1, Math.min(limit, 500)));
    return rows;
  }

  /** Whether a thread of `workspaceId`'s space (null: personal) may be put in the project by the caller. */
  async function projectForNewThread(userId: string, projectId: string, workspaceId: string | null): Promise<boolean> {
    if (!isUuid(projectId)) return false;
    const rows = await queryRows<{ id: string }>(
      db,
      sql`select p.id from ${project} p where ${usableProject(userId, sql`${projectId}::uuid`, sql`${workspaceId}::text`)}`,
    );
    return rows.length > 0;
  }

  /** The instructions of the caller's own thread (the folded "Instructions" line); null → 404 "Thread not found.". */
  const threadInstructionsForUser = (userId: string, threadId: string) => instructionsOfThread(db, userId, threadId);

  /** What the model should know about the caller ("" when nothing). */
  async function getPersonalInstructions(userId: string): Promise<string> {
    const [row] = await db
      .select({ instructions: userInstructions.instructions })
      .from(userInstructions)
      .where(eq(userInstructions.userId, userId));
    return row?.instructions ?? "";
  }

  /** Sets the caller's own instructions ("" removes them) and returns what is stored. */
  async function setPersonalInstructions(userId: string, text: string): Promise<string> {
    if (text.length > limits.maxInstructionsChars) throw tooLong(limits.maxInstructionsChars);
    if (text.trim() === "") {
      await db.delete(userInstructions).where(eq(userInstructions.userId, userId));
      return "";
    }
    await db
      .insert(userInstructions)
      .values({ userId, instructions: text })
      .onConflictDoUpdate({
        target: userInstructions.userId,
        set: { instructions: text, updatedAt: sql`now()` },
      });
    return text;
  }

  return {
    listProjectsForUser,
    createProjectForUser,
    getProjectForUser,
    updateProjectForUser,
    deleteProjectForUser,
    listProjectThreadsForUser,
    projectForNewThread,
    threadInstructionsForUser,
    getPersonalInstructions,
    setPersonalInstructions,
  };
}

export type ProjectStore = ReturnType<typeof createProjectStore>;

export const projects = createProjectStore();
