import { positiveIntFromEnv, type Env } from "@/lib/config/env";

/**
 * The limits of MCP tool calls, from the environment (documented in README's table). A bad value
 * stops the app with a clear message, like every other number it reads.
 */
export type ToolLimits = {
  /** One tool call (connect + call) gives up after this; outcome `timed_out`. */
  toolTimeoutMs: number;
  /** UTF-8 bytes of a tool result handed to the model and stored; larger results are cut. */
  maxResultBytes: number;
  /** Bytes read from an MCP server in one HTTP response (the memory bound). */
  maxResponseBytes: number;
  /** Bytes of a call's JSON arguments; larger ones are not sent. */
  maxArgumentBytes: number;
  /** Model steps per turn (one model call each; tool results start the next). */
  maxSteps: number;
  /** Tool calls one person may run per minute, across instances. */
  callsPerMinute: number;
  /** A call waiting for the person's answer this long is treated as denied. */
  approvalTimeoutMs: number;
  /** Tool calls one turn (all its steps) may run; further calls are not run and the model is told. */
  maxCallsPerTurn: number;
  /** Calls of one person waiting for their answer at once (all threads, all instances); more are denied at once. */
  maxPendingApprovals: number;
  /** Tools offered to the model in one turn; the rest of the thread's switched-on tools are left out. */
  maxToolsPerTurn: number;
  /** JSON bytes of the input schemas offered in one turn, together; tools past it are left out. */
  maxToolSchemaBytesPerTurn: number;
};

export function readToolLimits(env: Env = process.env): ToolLimits {
  return {
    toolTimeoutMs: positiveIntFromEnv(env, "MCP_TOOL_TIMEOUT_MS", 30_000),
    maxResultBytes: positiveIntFromEnv(env, "MCP_MAX_RESULT_BYTES", 65_536),
    maxResponseBytes: positiveIntFromEnv(env, "MCP_MAX_RESPONSE_BYTES", 4_194_304),
    maxArgumentBytes: positiveIntFromEnv(env, "MCP_MAX_ARGUMENT_BYTES", 16_384),
    maxSteps: positiveIntFromEnv(env, "MCP_MAX_STEPS", 5),
    callsPerMinute: positiveIntFromEnv(env, "MCP_TOOL_CALLS_PER_MINUTE", 30),
    approvalTimeoutMs: positiveIntFromEnv(env, "MCP_APPROVAL_TIMEOUT_MS", 600_000),
    maxCallsPerTurn: positiveIntFromEnv(env, "MCP_MAX_CALLS_PER_TURN", 10),
    maxPendingApprovals: positiveIntFromEnv(env, "MCP_MAX_PENDING_APPROVALS", 5),
    maxToolsPerTurn: positiveIntFromEnv(env, "MCP_MAX_TOOLS_PER_TURN", 64),
    maxToolSchemaBytesPerTurn: positiveIntFromEnv(env, "MCP_MAX_TOOL_SCHEMA_BYTES_PER_TURN", 262_144),
  };
}

let current: ToolLimits | undefined;

/** The process's limits, read once from process.env. */
export function toolLimits(): ToolLimits {
  return (current ??= readToolLimits());
}
