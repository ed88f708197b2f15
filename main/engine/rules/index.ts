/** The site rule engine: compile the ordered rules once, then decide each file. */
export { compileRules, compileRulesInto } from './compile.ts';
export { renderTemplate, safeObjectKey, TEMPLATE_PLACEHOLDERS, type TemplateContext } from './template.ts';
export type { CompiledRules, DecideContext, FileFacts, RateCounter } from './types.ts';
