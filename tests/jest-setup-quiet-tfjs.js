/**
 * Per test file: the first time a test loads @tensorflow/tfjs, switch off the cpu backend's
 * "Hi, looks like you are running TensorFlow.js in Node.js..." hint, as vaelab's initBackend does
 * (src/backend/quiet.ts). Expected on this offline machine (no tfjs-node), and printed with a stack
 * trace it buried real output. Lazy: suites that never load TensorFlow.js do not pay for it.
 * Nothing else is changed: other tfjs warnings still print.
 */
jest.mock('@tensorflow/tfjs', () => {
  const tf = jest.requireActual('@tensorflow/tfjs');
  const cpu = tf.findBackend('cpu');
  if (cpu !== null && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
  return tf;
});
