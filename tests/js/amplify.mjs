// Amplify JS v6 (aws-amplify) against a userpool server: reads a job (JSON) on stdin, runs its
// steps, prints {steps, trace, error?} on stdout. See README.md for the job's keys.
//
// The endpoint is Amplify's own setting: Auth.Cognito.userPoolEndpoint (supported by v6; every
// cognito-idp call of @aws-amplify/auth goes through createCognitoUserPoolEndpointResolver with
// it as endpointOverride). The region comes from the pool id's prefix, as in Cognito.
//
// Token storage: under node there is no window.localStorage; Amplify would fall back to an
// in-memory store by itself, but we set one explicitly with
// cognitoUserPoolsTokenProvider.setKeyValueStorage so the run's tokens and device metadata
// (device key, group key, device password) live in one Map shared by every step.
//
// Device name: after a sign-in that returns NewDeviceMetadata, Amplify names the device for
// ConfirmDevice with getDeviceName(), which reads the browser's global `navigator`. Node 20 has
// none (node 21 added it), and Amplify then silently skips ConfirmDevice, so remembering the
// device later fails with DeviceMetadataNotFoundException. A minimal `navigator` with a userAgent
// stands in for the browser's.

import { Amplify } from 'aws-amplify';
import {
  confirmSignIn,
  fetchAuthSession,
  fetchDevices,
  fetchMFAPreference,
  forgetDevice,
  rememberDevice,
  setUpTOTP,
  signIn,
  signOut,
  updateMFAPreference,
  verifyTOTPSetup,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';

import { MemoryStorage, outboxCode, readJob, runSteps, totpCode, traceFetch } from './lib.mjs';

globalThis.navigator ??= { userAgent: `node/${process.versions.node} (userpool tests)` };
traceFetch();
const job = await readJob();
Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: job.userPoolId,
      userPoolClientId: job.clientId,
      userPoolEndpoint: job.endpoint,
    },
  },
});
const storage = new MemoryStorage(job.storage);
cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);

/** The answer to one sign-in step, from the job's knowledge (the phone and email the outbox
 * delivers to, the TOTP secret, the MFA to choose); `record` describes what was asked. */
async function answer(step, nextStep, record) {
  switch (nextStep.signInStep) {
    case 'CONFIRM_SIGN_IN_WITH_SMS_CODE':
      record.codeDeliveryDetails = nextStep.codeDeliveryDetails;
      return outboxCode(job.endpoint, job.phone);
    case 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE':
      record.codeDeliveryDetails = nextStep.codeDeliveryDetails;
      return outboxCode(job.endpoint, job.email);
    case 'CONFIRM_SIGN_IN_WITH_TOTP_CODE':
      return totpCode(job.totpSecret, job.timeOffset);
    case 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION':
    case 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION':
      record.allowedMFATypes = nextStep.allowedMFATypes;
      return step.choose; // 'SMS' | 'TOTP' | 'EMAIL'
    case 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP':
      step.secret = nextStep.totpSetupDetails.sharedSecret;
      record.setupUri = nextStep.totpSetupDetails.getSetupUri('userpool-tests').href;
      return totpCode(step.secret, job.timeOffset);
    case 'CONTINUE_SIGN_IN_WITH_EMAIL_SETUP':
      return job.email;
    default:
      throw new Error(`cannot answer ${nextStep.signInStep}`);
  }
}

async function currentTokens() {
  const { tokens } = await fetchAuthSession();
  return { access: tokens.accessToken.payload, id: tokens.idToken.payload };
}

async function doSignIn(step) {
  // USER_SRP_AUTH is Amplify's default; a job may ask for USER_PASSWORD_AUTH.
  const options = job.authFlow ? { authFlowType: job.authFlow } : {};
  const username = step.username || job.username;
  let result = await signIn({ username, password: step.password || job.password, options });
  const seen = [];
  while (!result.isSignedIn) {
    const record = { signInStep: result.nextStep.signInStep };
    seen.push(record);
    if (seen.length > 6) throw new Error('too many sign-in steps');
    const challengeResponse = await answer(step, result.nextStep, record);
    result = await confirmSignIn({ challengeResponse });
  }
  const output = { signInSteps: seen, finalStep: result.nextStep.signInStep };
  output.tokens = await currentTokens();
  if (step.secret) output.secret = step.secret;
  return output;
}

/** setUpTOTP + verifyTOTPSetup while signed in (the authenticator app's code from otplib). */
async function doSetUpTotp(step) {
  const details = await setUpTOTP();
  const secret = details.sharedSecret;
  await verifyTOTPSetup({ code: totpCode(secret, job.timeOffset), options: { friendlyDeviceName: step.deviceName } });
  return { secret };
}

const actions = {
  signIn: doSignIn,
  setUpTOTP: doSetUpTotp,
  fetchMFAPreference: async () => ({ preference: await fetchMFAPreference() }),
  updateMFAPreference: async (step) => {
    await updateMFAPreference(step.preference);
    return {};
  },
  rememberDevice: async () => {
    await rememberDevice();
    return {};
  },
  forgetDevice: async () => {
    await forgetDevice();
    return {};
  },
  fetchDevices: async () => ({ devices: await fetchDevices() }),
  tokens: currentTokens,
  // Local sign-out: Amplify revokes the refresh token (RevokeToken) and clears the tokens; the
  // device metadata stays, as in a browser.
  signOut: async () => {
    await signOut();
    return {};
  },
};

await runSteps(job, actions, storage);
