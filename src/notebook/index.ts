/**
 * The in-notebook context: where outputs go (`outputDir`), whether a tslab kernel is running
 * (`inNotebook`), `show` for figures, `publish` for the key numbers, `claim` for the checked
 * lessons the headless runner collects, and `showAnswer` / `answer` for answers built from the run.
 */
export * from '../util/notebook-context';
export type { ShownFigure, ShowOptions } from './show';
export { saveAndShow, show, VEGA_LITE_MIME_TYPE } from './show';
export type { TslabDisplayWriter, TslabDisplayMessage } from '../util/tslab-display';
export { tslabDisplayWriter } from '../util/tslab-display';
export * from './publish';
export * from './claims';
export { showAnswer, formatSignificant, formatPercent, answer, fillAnswer, AnswerTemplateError } from './answer';
export type { ShowAnswerOptions, AnswerFacts, AnswerValue } from './answer';
