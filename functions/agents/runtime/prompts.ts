/**
 * Prompts live in files beside each agent (`functions/agents/<agent>/prompts/*.md`), never in code. They
 * are read once at start-up (a missing file stops the process) and rendered with `{{name}}` placeholders;
 * a placeholder without a value is a programming error and throws.
 */
import { readFileSync } from "fs";
import * as path from "path";

export class Prompts {
  private constructor(private readonly texts: Map<string, string>) {}

  /** Reads `<dir>/prompts/<name>` for each name. */
  static load(dir: string, names: string[]): Prompts {
    const texts = new Map<string, string>();
    for (const name of names) texts.set(name, readFileSync(path.join(dir, "prompts", name), "utf8"));
    return new Prompts(texts);
  }

  /** Merges two prompt sets (agent prompts and the runtime's own). */
  with(other: Prompts): Prompts {
    return new Prompts(new Map([...this.texts, ...other.texts]));
  }

  text(name: string): string {
    const t = this.texts.get(name);
    if (t === undefined) throw new Error(`prompt ${name} was not loaded`);
    return t;
  }

  render(name: string, vars: Record<string, string>): string {
    return renderTemplate(this.text(name), vars, name);
  }
}

export function renderTemplate(template: string, vars: Record<string, string>, label = "template"): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_m, key: string) => {
    if (!(key in vars)) throw new Error(`${label}: no value for placeholder {{${key}}}`);
    return vars[key];
  });
}

/** The runtime's own prompts (the JSON repair turn), beside this module (or beside the bundle). */
export function runtimePrompts(): Prompts {
  return Prompts.load(__dirname, ["repair.md"]);
}
