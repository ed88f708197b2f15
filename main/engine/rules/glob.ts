import type { Problem } from '../config/messages.ts';

/** Globs are matched with path.matchesGlob on `/`-separated paths relative to the capture folder. */
export function globProblem(glob: string): Problem | undefined {
  const bad = (message: string, hint: string): Problem => ({
    message: `glob ${JSON.stringify(glob)} ${message}`,
    hint,
  });
  if (glob.trim() === '') return bad('is empty.', 'Use a pattern like "**/*.jpg".');
  if (glob.includes('\\')) return bad('uses "\\".', 'Separate folders with "/", e.g. "night/**/*.jpg".');
  if (glob.startsWith('/') || /^[A-Za-z]:/.test(glob)) {
    return bad('is absolute.', 'Globs are relative to the capture folder, e.g. "**/*.jpg".');
  }
  if (glob.split('/').includes('..')) return bad('leaves the capture folder.', 'Remove the ".." part.');
  let brackets = 0;
  let braces = 0;
  for (const char of glob) {
    if (char === '[') brackets++;
    else if (char === ']' && brackets > 0) brackets--;
    else if (char === '{') braces++;
    else if (char === '}') braces--;
    if (braces < 0) return bad('has a "}" without a "{".', 'Use {a,b} for alternatives, e.g. "*.{jpg,png}".');
  }
  if (brackets > 0) return bad('has an unclosed "[".', 'Close the character class, e.g. "cam[12]/*.jpg".');
  if (braces > 0) return bad('has an unclosed "{".', 'Close the alternatives, e.g. "*.{jpg,png}".');
  return undefined;
}
