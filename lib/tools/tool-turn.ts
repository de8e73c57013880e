import "server-only";
import { dynamicTool, jsonSchema, type ToolSet, type UIMessageStreamWriter } from "ai";
import { context, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { logger } from "@/lib/observability/logger";
import { metrics } from "@/lib/observability/metrics";
import { audit as defaultAudit, type Audit } from "@/lib/admin/audit";
import { createHash } from "node:crypto";
import { callServerTool, plainText } from "@/lib/tools/mcp-connection";
import { toolLimits as fieldLimits } from "@/lib/shared/tools";
import { toolCatalog, type TurnTool } from "@/lib/tools/catalog";
import { approvals as defaultApprovals, type Approvals } from "@/lib/tools/approvals";
import { toolLimits, type ToolLimits } from "@/lib/tools/limits";

/**
 * The tools of one chat turn (issue 26): the thread's enabled, usable tools, offered to the model
 * with their stored definitions. Each call the model makes is checked and run here, never one a
 * client describes: arguments within MCP_MAX_ARGUMENT_BYTES; the person's answer first unless the
 * tool's policy is `allow` or they chose "always allow" in this thread (transient
 * `data-tool-approval` chunks tell the browser, and the wait ends by their answer, Stop, shutdown
 * or MCP_APPROVAL_TIMEOUT_MS); the person's calls per minute; then the server's call with its
 * timeout and result cap. Every call gets one audit row (never its arguments or result), a metric
 * and a span.
 *
 * Bounds (review of issue 26): a turn offers at most MCP_MAX_TOOLS_PER_TURN tools and
 * MCP_MAX_TOOL_SCHEMA_BYTES_PER_TURN of schemas, under names qualified by server where two clash;
 * it runs at most MCP_MAX_CALLS_PER_TURN calls (more: not run, no audit row); a person has at most
 * MCP_MAX_PENDING_APPROVALS calls waiting; and right before each call one statement checks the
 * tool is still usable by the person (approvals.callState), so a revoked tool is not run.
 *
 * The output the reply's tool part holds and the model reads: `{ outcome, text }`.
 */

export type ToolOutcome = "allowed" | "denied" | "failed" | "timed_out" | "stopped";
export type ToolOutput = { outcome: ToolOutcome; text: string };

/** The transient chunk that tells the browser a call waits for the person (or no longer does). */
export type ToolApprovalData = {
  toolCallId: string;
  state: "awaiting" | "approved" | "denied";
  server: string;
  tool: string;
};

export const declinedText = "The person declined to run this tool.";

type Approval = "asked" | "always" | "policy";

export type ToolTurnDeps = {
  tools: (userId: string, threadId: string) => Promise<TurnTool[]>;
  approvals: Pick<Approvals, "waitForDecision" | "callState" | "consumeToolCall">;
  call: typeof callServerTool;
  log: Pick<Audit, "record" | "emailOf">;
  limits: () => ToolLimits;
};

const defaultDeps = (): ToolTurnDeps => ({
  tools: (userId, threadId) => toolCatalog.toolsForTurn(userId, threadId),
  approvals: defaultApprovals,
  call: callServerTool,
  log: defaultAudit,
  limits: toolLimits,
});

const shortHash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 8);
const sanitize = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, "_");
/** `text` within 64 characters: cut, with a short hash of `key` so two cut names stay apart. */
const fit64 = (text: string, key: string) => (text.length <= 64 ? text : `${text.slice(0, 55)}_${shortHash(key)}`);

/**
 * The names the model sees: `<tool>` sanitized to [A-Za-z0-9_-]{1,64}. When two offered tools
 * share a name, every one of them is qualified by its server (`<server>__<tool>`), so no server
 * can take another's tool name (by sorting first, say); names still equal after that (servers
 * whose names sanitize alike) get a short hash of server id and tool. Deterministic: the same
 * tools give the same names whatever their order.
 */
export function modelToolNames(tools: { tool: string; server?: string; serverId?: string }[]): string[] {
  const keyOf = (t: (typeof tools)[number]) => `${t.serverId ?? t.server ?? ""}\u0000${t.tool}`;
  const bases = tools.map((t) => fit64(sanitize(t.tool) || "tool", keyOf(t)));
  const count = (names: string[]) => {
    const seen = new Map<string, number>();
    for (const n of names) seen.set(n.toLowerCase(), (seen.get(n.toLowerCase()) ?? 0) + 1);
    return (n: string) => seen.get(n.toLowerCase()) ?? 0;
  };
  const baseCount = count(bases);
  const qualified = tools.map((t, i) =>
    baseCount(bases[i]!) > 1
      ? fit64(`${sanitize(t.server ?? "").slice(0, 24) || "server"}__${sanitize(t.tool) || "tool"}`, keyOf(t))
      : bases[i]!,
  );
  const qualifiedCount = count(qualified);
  return tools.map((t, i) =>
    qualifiedCount(qualified[i]!) > 1 ? `${qualified[i]!.slice(0, 55)}_${shortHash(keyOf(t))}` : qualified[i]!,
  );
}

/** The label a call shows the person: the server's name, the tool's title and its real name, nothing that hides text. */
export function toolLabel(tool: { server: string; tool: string; title: string | null }): string {
  const server = plainText(tool.server).trim();
  const name = plainText(tool.tool).trim();
  const title = plainText(tool.title ?? "").trim();
  return title && title !== name ? `${server} · ${title} (${name})` : `${server} · ${name}`;
}

/** A model's call id the answer route can name (POST /api/threads/:id/tool-calls/:toolCallId). */
const answerableId = new RegExp(`^[A-Za-z0-9_.:-]{1,${fieldLimits.toolCallIdMaxChars}}$`);

/** Threads whose switched-on tools were over a per-turn cap: said once per thread, not every turn. */
const cappedThreads = new Set<string>();

/**
 * The tools offered in one turn: at most MCP_MAX_TOOLS_PER_TURN, and input schemas of at most
 * MCP_MAX_TOOL_SCHEMA_BYTES_PER_TURN together (in the catalog's order: server, then tool name).
 */
export function capTurnTools<T extends { inputSchema: Record<string, unknown> }>(
  list: T[],
  limits: Pick<ToolLimits, "maxToolsPerTurn" | "maxToolSchemaBytesPerTurn">,
): { kept: T[]; left: number } {
  const kept: T[] = [];
  let bytes = 0;
  for (const tool of list) {
    if (kept.length >= limits.maxToolsPerTurn) break;
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(tool.inputSchema ?? {}) ?? "");
    } catch {
      continue;
    }
    if (bytes + size > limits.maxToolSchemaBytesPerTurn) continue;
    bytes += size;
    kept.push(tool);
  }
  return { kept, left: list.length - kept.length };
}

/** A stored schema as the model needs it: an object schema. */
function objectSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const base = schema && typeof schema === "object" ? schema : {};
  return { ...base, type: "object", properties: (base.properties as object | undefined) ?? {} };
}

const tracer = trace.getTracer("threadkeeper");

export type ToolTurn = {
  /** The tool set, its calls writing their approval chunks to `writer`. */
  tools: (writer: UIMessageStreamWriter) => ToolSet;
  maxSteps: number;
};

/**
 * The turn's tools, or null when the thread has none switched on (the turn then runs exactly as
 * without this feature: no `tools`, one step).
 */
export async function prepareToolTurn(
  turn: {
    /** The thread's tools when the caller already asked for them (see ToolTurnDeps.tools). */
    listed?: Promise<TurnTool[]>;
    userId: string;
    threadId: string;
    streamId: string;
    /** Stop and shutdown: ends a waiting or running call. */
    stop: AbortSignal;
    /** The chat span, parent of each call's span. */
    span: () => Span | undefined;
    requestId?: string;
  },
  deps: ToolTurnDeps = defaultDeps(),
): Promise<ToolTurn | null> {
  const all = await (turn.listed ?? deps.tools(turn.userId, turn.threadId));
  if (all.length === 0) return null;
  const limits = deps.limits();
  const { kept: list, left } = capTurnTools(all, limits);
  if (left > 0 && !cappedThreads.has(turn.threadId)) {
    if (cappedThreads.size >= 10_000) cappedThreads.clear();
    cappedThreads.add(turn.threadId);
    logger.warn(
      {
        requestId: turn.requestId,
        threadId: turn.threadId,
        offered: list.length,
        left,
        maxTools: limits.maxToolsPerTurn,
        maxSchemaBytes: limits.maxToolSchemaBytesPerTurn,
      },
      "tools: more tools switched on than a turn offers; the rest are left out",
    );
  }
  if (list.length === 0) return null;
  const names = modelToolNames(list);
  /** Calls of this turn so far (all steps): past MCP_MAX_CALLS_PER_TURN they are not run. */
  let calls = 0;
  let toldTooMany = false;
  const email = deps.log.emailOf(turn.userId).catch(() => null);

  async function finish(
    tool: TurnTool,
    output: ToolOutput,
    facts: { approval: Approval; durationMs: number; resultBytes: number; reason?: string },
  ): Promise<ToolOutput> {
    metrics.toolCalls.inc({ server: tool.server, tool: tool.tool, outcome: output.outcome });
    await deps.log.record({
      action: "tool_called",
      outcome: output.outcome === "allowed" ? "success" : "failure",
      actor: { id: turn.userId, email: await email },
      detail: {
        serverId: tool.serverId,
        server: tool.server,
        tool: tool.tool,
        outcome: output.outcome,
        approval: facts.approval,
        durationMs: Math.round(facts.durationMs),
        resultBytes: facts.resultBytes,
        ...(facts.reason && { reason: facts.reason }),
      },
    });
    return output;
  }

  async function run(
    tool: TurnTool,
    input: unknown,
    toolCallId: string,
    writer: UIMessageStreamWriter,
    signal: AbortSignal,
  ): Promise<ToolOutput> {
    const args = (input && typeof input === "object" && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
    const stopped = () =>
      finish(
        tool,
        { outcome: "stopped", text: "The reply was stopped before this tool finished." },
        {
          approval,
          durationMs: 0,
          resultBytes: 0,
        },
      );
    // Counted before anything waits: the calls of one step all arrive at once.
    if (++calls > limits.maxCallsPerTurn) {
      if (!toldTooMany) {
        toldTooMany = true;
        logger.warn(
          { requestId: turn.requestId, threadId: turn.threadId, maxCalls: limits.maxCallsPerTurn },
          "tools: the model made more tool calls than a turn runs",
        );
      }
      // No audit row: a model emitting hundreds of calls must not write hundreds of rows.
      metrics.toolCalls.inc({ server: tool.server, tool: tool.tool, outcome: "failed" });
      return {
        outcome: "failed",
        text: `Not run: a reply may run at most ${limits.maxCallsPerTurn} tool calls, and this one is over that. Answer with what you have.`,
      };
    }
    let approval: Approval = tool.policy === "allow" ? "policy" : "asked";
    if (signal.aborted) return stopped();

    const notUsable = () =>
      finish(
        tool,
        {
          outcome: "failed",
          text: `Not run: ${tool.tool} on ${tool.server} is no longer available to the person (switched off, removed, or its connection was removed).`,
        },
        { approval, durationMs: 0, resultBytes: 0, reason: "not_usable" },
      );
    const state = await deps.approvals.callState(turn.userId, turn.threadId, tool.serverId, tool.tool, tool.access.url);
    if (!state) return notUsable();
    // The policy as it is now (an admin may have changed it since the turn began).
    approval = state.policy === "allow" ? "policy" : state.alwaysAllow ? "always" : "asked";
    const tell = (state: ToolApprovalData["state"]) =>
      writer.write({
        type: "data-tool-approval",
        id: toolCallId,
        data: { toolCallId, state, server: tool.server, tool: tool.tool } satisfies ToolApprovalData,
        transient: true,
      });
    // A call that runs without asking says so too: the live reply names its server and tool by it.
    if (approval !== "asked") tell("approved");

    const argumentBytes = Buffer.byteLength(JSON.stringify(args));
    if (argumentBytes > limits.maxArgumentBytes)
      return finish(
        tool,
        {
          outcome: "failed",
          text: `Not run: the arguments are ${argumentBytes} bytes, more than the ${limits.maxArgumentBytes} bytes a tool call may carry.`,
        },
        { approval, durationMs: 0, resultBytes: 0, reason: "arguments_too_large" },
      );

    if (approval === "asked" && !answerableId.test(toolCallId)) {
      // Nobody could answer it (the route names calls by this id): denied now, not after the timeout.
      tell("denied");
      return finish(
        tool,
        { outcome: "denied", text: `${declinedText} (The call could not be shown for an answer.)` },
        { approval, durationMs: 0, resultBytes: 0, reason: "unanswerable_id" },
      );
    }

    if (approval === "asked") {
      let told = false;
      const answer = await deps.approvals.waitForDecision({
        userId: turn.userId,
        threadId: turn.threadId,
        streamId: turn.streamId,
        toolCallId,
        serverId: tool.serverId,
        toolName: tool.tool,
        signal,
        timeoutMs: limits.approvalTimeoutMs,
        maxPending: limits.maxPendingApprovals,
        // The row is written first, so an answer to the chunk always finds it.
        onWaiting: () => {
          told = true;
          tell("awaiting");
        },
      });
      if (answer === "stopped") return stopped();
      if (told || answer !== "approved") tell(answer === "approved" ? "approved" : "denied");
      if (answer === "busy" || answer === "duplicate")
        return finish(
          tool,
          {
            outcome: "denied",
            text:
              answer === "busy"
                ? `Not run: the person already has ${limits.maxPendingApprovals} tool calls waiting for an answer. Do not call more tools now.`
                : "Not run: another call with the same id is waiting; both were declined.",
          },
          { approval, durationMs: 0, resultBytes: 0, reason: answer === "busy" ? "too_many_waiting" : "duplicate_id" },
        );
      if (answer !== "approved")
        return finish(
          tool,
          { outcome: "denied", text: declinedText },
          {
            approval,
            durationMs: 0,
            resultBytes: 0,
            ...(answer === "timed_out" && { reason: "no_answer" }),
          },
        );
    }

    if (!(await deps.approvals.consumeToolCall(turn.userId, limits.callsPerMinute)))
      return finish(
        tool,
        {
          outcome: "failed",
          text: `Not run: the person may run ${limits.callsPerMinute} tool calls per minute, and this one is over that. Try again in a minute.`,
        },
        { approval, durationMs: 0, resultBytes: 0, reason: "rate_limited" },
      );
    if (signal.aborted) return stopped();
    // Right before the call: still usable (the wait above may have lasted minutes).
    if (
      approval === "asked" &&
      !(await deps.approvals.callState(turn.userId, turn.threadId, tool.serverId, tool.tool, tool.access.url))
    )
      return notUsable();

    const parent = turn.span();
    const span = tracer.startSpan(
      `tool ${tool.server}/${tool.tool}`,
      { attributes: { "tool.server": tool.server, "tool.name": tool.tool, "tool.approval": approval } },
      parent ? trace.setSpan(context.active(), parent) : undefined,
    );
    const started = performance.now();
    let result: Awaited<ReturnType<typeof callServerTool>>;
    try {
      result = await deps.call(tool.access, tool.tool, args, {
        signal,
        timeoutMs: limits.toolTimeoutMs,
        maxResultBytes: limits.maxResultBytes,
        inputSchema: tool.inputSchema,
      });
    } catch (error) {
      logger.warn({ err: error, requestId: turn.requestId, server: tool.server, tool: tool.tool }, "tool call failed");
      result = { outcome: signal.aborted ? "stopped" : "failed", message: "The tool's server could not be used." };
    }
    const durationMs = performance.now() - started;
    metrics.toolCallSeconds.observe({ server: tool.server, tool: tool.tool }, durationMs / 1000);
    const resultBytes = result.resultBytes ?? 0;
    span.setAttributes({ "tool.outcome": result.outcome, "tool.result_bytes": resultBytes });
    if (result.outcome !== "allowed") span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();

    if (result.outcome === "allowed") {
      const text =
        result.cut && !result.text.includes("[Result cut:")
          ? `${result.text}\n[Result cut: ${Buffer.byteLength(result.text)} of ${resultBytes} bytes shown]`
          : result.text;
      return finish(tool, { outcome: "allowed", text }, { approval, durationMs, resultBytes });
    }
    if (result.outcome === "stopped") return stopped();
    const text =
      result.message === "needs_sign_in"
        ? `Not run: the person's account on ${tool.server} is not connected or its sign-in expired; they can connect it under Account → Connected tools.`
        : result.outcome === "timed_out"
          ? `The tool did not answer within ${limits.toolTimeoutMs} ms.`
          : result.message;
    return finish(
      tool,
      { outcome: result.outcome, text },
      {
        approval,
        durationMs,
        resultBytes,
        ...(result.message === "needs_sign_in" && { reason: "needs_sign_in" }),
      },
    );
  }

  return {
    maxSteps: limits.maxSteps,
    tools(writer) {
      const set: ToolSet = {};
      list.forEach((tool, i) => {
        set[names[i]!] = dynamicTool({
          title: toolLabel(tool),
          description: tool.description || undefined,
          inputSchema: jsonSchema(objectSchema(tool.inputSchema)),
          metadata: { serverId: tool.serverId, server: tool.server, tool: tool.tool },
          execute: (input, { toolCallId, abortSignal }) =>
            run(tool, input, toolCallId, writer, abortSignal ?? turn.stop).catch((error: unknown) => {
              logger.error(
                { err: error, requestId: turn.requestId, server: tool.server, tool: tool.tool },
                "tool call failed",
              );
              return { outcome: "failed", text: "The tool could not be run." } satisfies ToolOutput;
            }),
        });
      });
      return set;
    },
  };
}
