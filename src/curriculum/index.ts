/**
 * The answer helpers student notebooks call (showAnswer, answer templates). The autograder checks
 * live in src/checks; the generator and repository check with the tools (src/tools/students).
 */
export { showAnswer, formatSignificant, formatPercent, type ShowAnswerOptions } from './answer';
export { answer, fillAnswer, AnswerTemplateError, type AnswerFacts, type AnswerValue } from './answer';
