/**
 * Solution markers in code cells, and the stubs that replace them in student notebooks.
 *
 * ```ts
 * function reparameterize(mu: tf.Tensor2D, logVar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
 *   // BEGIN SOLUTION: reparameterize
 *   // HINT: sigma = exp(0.5 * logVar); z = mu + sigma * eps
 *   return tf.tidy(() => mu.add(logVar.mul(0.5).exp().mul(eps)));
 *   // END SOLUTION
 * }
 * ```
 * becomes, for students, the same function whose body keeps the hint as a comment and throws
 * `Error('Not implemented yet: reparameterize. Hint: ...')`. The optional text after
 * `BEGIN SOLUTION:` names the exercise in the error message.
 */
import { NOT_IMPLEMENTED_PREFIX } from '../../checks/harness';

/** Opens a solution block (optionally followed by `: <exercise name>`). */
export const BEGIN_SOLUTION = '// BEGIN SOLUTION';
/** Closes a solution block. */
export const END_SOLUTION = '// END SOLUTION';
/** A line inside a solution block whose text becomes the student's hint. */
export const HINT_PREFIX = '// HINT:';

/** Result of {@link stubSolutions}. */
export interface StubbedSource {
  /** The source with every solution block replaced by a stub. */
  readonly text: string;
  /** How many solution blocks were replaced. */
  readonly blocks: number;
}

const BEGIN_RE = /^(\s*)\/\/ BEGIN SOLUTION(?::\s*(.*?))?\s*$/;
const END_RE = /^\s*\/\/ END SOLUTION\s*$/;
const HINT_RE = /^\s*\/\/ HINT:\s*(.*?)\s*$/;

interface OpenBlock {
  indent: string;
  exercise?: string;
  hints: string[];
  line: number;
}

/**
 * The error message a stub throws: it names the exercise and, when the block has hints, points to
 * the `// HINT:` comment above the throwing line instead of repeating it (the hint is shown once).
 */
export function notImplementedMessage(exercise: string | undefined, hints: readonly string[], exerciseId?: string): string {
  const what = exerciseId ? `exercise ${exerciseId}${exercise ? ` (${exercise})` : ''}` : exercise ? `${exercise}` : 'this exercise';
  const hint = hints.length > 0 ? ' Start from the HINT comment above that line.' : '';
  return `${NOT_IMPLEMENTED_PREFIX}: ${what}. Replace the stub (the line that throws) with your code, then run this cell again.${hint}`;
}

/**
 * Replaces every `// BEGIN SOLUTION` ... `// END SOLUTION` block of a code cell with a stub that
 * keeps the block's indentation, shows the `// HINT:` lines as comments and throws a
 * "Not implemented yet" Error. `where` names the cell in error messages about malformed markers
 * (a block left open, an END without BEGIN, nested blocks); `exerciseId` (e.g. `7.2`, from the check cell
 * that follows) is named in the message beside the block's function.
 */
export function stubSolutions(source: string, where: string, exerciseId?: string): StubbedSource {
  const lines = source.split('\n');
  const out: string[] = [];
  let blocks = 0;
  let open: OpenBlock | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const begin = BEGIN_RE.exec(line);
    if (begin) {
      if (open) {
        throw new Error(`${where}, line ${i + 1}: BEGIN SOLUTION inside the block opened on line ${open.line}; blocks cannot nest`);
      }
      open = { indent: begin[1], exercise: begin[2] || undefined, hints: [], line: i + 1 };
    } else if (END_RE.test(line)) {
      if (!open) throw new Error(`${where}, line ${i + 1}: END SOLUTION without a BEGIN SOLUTION before it`);
      for (const hint of open.hints) out.push(`${open.indent}// HINT: ${hint}`);
      out.push(`${open.indent}// YOUR CODE HERE`);
      out.push(`${open.indent}throw new Error(${JSON.stringify(notImplementedMessage(open.exercise, open.hints, exerciseId))});`);
      blocks += 1;
      open = null;
    } else if (open) {
      const hint = HINT_RE.exec(line);
      if (hint && hint[1] !== '') open.hints.push(hint[1]);
    } else if (line.includes('BEGIN SOLUTION') || line.includes('END SOLUTION')) {
      throw new Error(
        `${where}, line ${i + 1}: a solution marker must be alone on its line as "${BEGIN_SOLUTION}" or "${END_SOLUTION}", got "${line.trim()}"`,
      );
    } else {
      out.push(line);
    }
  }
  if (open) throw new Error(`${where}: the BEGIN SOLUTION on line ${open.line} has no END SOLUTION`);
  return { text: out.join('\n'), blocks };
}
