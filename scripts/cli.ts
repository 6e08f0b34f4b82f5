/**
 * The one argument and environment checker of every command-line script (`npm run plan|migrate|dev:*|...`).
 *
 * Built on node's `util.parseArgs` (strict): an unknown flag, a flag without its value, or a wrong number of
 * positional arguments prints one line naming the problem plus the usage on standard error and exits 2. Bad
 * environment values (`PORT=abc`) give one clean line too. `runCli` turns any `CliError` thrown later (a YAML
 * syntax error in a stack file, a missing file) into one line on standard error and exit 2, with no stack trace;
 * only an unexpected failure (a bug) prints its stack. Machine-readable output goes to standard output only.
 */
import { parseArgs } from "node:util";

/** A mistake in what the user gave (arguments, environment, files): one line, exit 2, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  multiple?: boolean;
}

export interface CommandSpec<F extends Record<string, FlagSpec>> {
  /** Shown after "usage: ". */
  usage: string;
  flags: F;
  /** Positional arguments: fewest and most accepted (default 0 and 0). */
  positionals?: { min?: number; max?: number };
}

type Values<F extends Record<string, FlagSpec>> = {
  [K in keyof F]?: F[K]["type"] extends "boolean"
    ? boolean
    : F[K]["multiple"] extends true
      ? string[]
      : string;
};

export interface Parsed<F extends Record<string, FlagSpec>> {
  flags: Values<F>;
  positionals: string[];
}

/** Parses `argv` strictly; throws `CliError` (with usage) for anything the command does not take. */
export function parseCli<F extends Record<string, FlagSpec>>(
  spec: CommandSpec<F>,
  argv: string[],
): Parsed<F> {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    options[name] = {
      type: f.type,
      ...(f.short ? { short: f.short } : {}),
      ...(f.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(cleanParseError((e as Error).message), true);
  }
  const values = parsed.values as Record<string, unknown>;
  for (const [name, f] of Object.entries(spec.flags)) {
    const v = values[name];
    if (f.choices && v !== undefined) {
      for (const one of Array.isArray(v) ? v : [v]) {
        if (!f.choices.includes(String(one)))
          throw new CliError(`--${name} must be one of ${f.choices.join(", ")} (got "${String(one)}")`, true);
      }
    }
    if (f.type === "string" && typeof v === "string" && v.startsWith("--"))
      throw new CliError(`option --${name} needs a value (got the flag ${v})`, true);
  }
  const { min = 0, max = 0 } = spec.positionals ?? {};
  if (parsed.positionals.length < min)
    throw new CliError(
      `expected ${min === max ? min : `at least ${min}`} argument(s), got ${parsed.positionals.length}`,
      true,
    );
  if (parsed.positionals.length > max)
    throw new CliError(`unexpected argument "${parsed.positionals[max]}"`, true);
  return { flags: values as Values<F>, positionals: parsed.positionals };
}

/** node's messages, shortened to what the user typed. */
function cleanParseError(message: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument missing/.exec(message);
  if (missing) return `option ${missing[1]} needs a value`;
  const ambiguous = /Option '(?:-\w, )?(--[\w-]+)' argument is ambiguous/.exec(message);
  if (ambiguous) return `option ${ambiguous[1]} needs a value (the next word is a flag)`;
  const boolValue = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (boolValue) return `option ${boolValue[1]} takes no value`;
  return message.split("\n")[0];
}

/** An integer environment variable within bounds, or the default; a bad value is a `CliError` naming it. */
export function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new CliError(`${name}=${raw} is not valid: it must be a whole number from ${min} to ${max}`);
  return Number(raw);
}

/**
 * Runs a command's main: exit code from its result; a `CliError` → its line (and usage) on stderr, exit 2;
 * anything else is a bug → its stack on stderr, exit 1.
 */
export function runCli(usage: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => exitAfterFlush(code ?? 0),
    (err: unknown) => exitAfterFlush(reportError(usage, err)),
  );
}

/**
 * Exits once stdout and stderr have written everything: on a pipe, Node writes asynchronously, and an immediate
 * `process.exit` cut the plan's output short (seen when a test read it through a pipe on a loaded machine).
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

/** Prints an error the way `runCli` does and gives the exit code (exported for tests and in-process callers). */
export function reportError(usage: string, err: unknown): number {
  if (err instanceof CliError || (err instanceof Error && (err as { userError?: boolean }).userError)) {
    console.error(`error: ${err.message}`);
    if (err instanceof CliError && err.showUsage) console.error(`usage: ${usage}`);
    return 2;
  }
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return 1;
}
