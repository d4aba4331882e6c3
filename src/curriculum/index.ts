/**
 * What student notebooks call from the curriculum: the autograder checks after each exercise and
 * the answer helpers. The generator and repository check live with the tools (src/tools/students).
 */
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
export { showAnswer, formatSignificant, formatPercent, type ShowAnswerOptions } from './answer';
export { answer, fillAnswer, AnswerTemplateError, type AnswerFacts, type AnswerValue } from './answer';
