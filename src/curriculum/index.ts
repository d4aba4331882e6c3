/**
 * The curriculum tooling: the student-notebook generator (solution markers -> stubs, answer
 * cells -> prompts, outputs stripped), the repository check behind `npm run students -- --check`,
 * and the autograder checks that student notebooks call after each exercise.
 */
export {
  BEGIN_SOLUTION,
  END_SOLUTION,
  HINT_PREFIX,
  NOT_IMPLEMENTED_PREFIX,
  stubSolutions,
  notImplementedMessage,
} from './solution-markers';
export type { StubbedSource } from './solution-markers';
export {
  ANSWER_TAG,
  ANSWER_MARKDOWN_PREFIX,
  answerPrompt,
  isAnswerCell,
  makeStudentNotebook,
  stripOutputs,
} from './student-notebook';
export type { StudentNotebookOptions, StudentNotebookResult } from './student-notebook';
export { parseIpynb, formatIpynb, cellText, cellTags } from './ipynb';
export type { IpynbNotebook, IpynbCell, IpynbMetadata, IpynbJson } from './ipynb';
export { checkCurriculum, syncStudentNotebooks, planStudentNotebooks, listRepositoryNotebooks } from './sync';
export type { SyncResult, PlannedStudentNotebook } from './sync';
export {
  AutograderError,
  checkMse,
  checkBce,
  checkReparameterize,
  checkKlDivergence,
  checkEncoderShape,
  checkDecoderShape,
  checkDenseStack,
  checkVaeLoss,
  checkDigitCentroids,
  checkNearestNeighbour,
  checkPerDigitAccuracy,
  checkCrossEntropy,
  checkLatentGrid,
  checkGaussianNoise,
  checkMapObjective,
  checkAuc,
  checkOneHot,
  checkPsnr,
  checkSaltPepperNoise,
  checkSpeckleNoise,
  checkBoxFilter,
} from './checks';
export type {
  ScalarLike,
  GaussianCheckOptions,
  EncoderShapeExpectation,
  DecoderShapeExpectation,
  DenseLayerExpectation,
} from './checks';
