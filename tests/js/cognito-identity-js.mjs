// amazon-cognito-identity-js against a userpool server: reads a job (JSON) on stdin, runs its
// steps, prints {steps, trace, error?} on stdout. See README.md for the job's keys.
//
// The endpoint is the library's own setting: new CognitoUserPool({UserPoolId, ClientId, endpoint}).
// The pool's storage is an in-memory Map shared by every CognitoUser of the run, so the device key
// and device password that a sign-in confirms are there for the next sign-in (as localStorage
// would keep them in a browser).

import identity from 'amazon-cognito-identity-js';

import { claims, MemoryStorage, outboxCode, readJob, runSteps, totpCode, traceFetch } from './lib.mjs';

const { AuthenticationDetails, AuthenticationHelper, CognitoUser, CognitoUserPool } = identity;

traceFetch();
const job = await readJob();
const storage = new MemoryStorage(job.storage);
const pool = new CognitoUserPool({
  UserPoolId: job.userPoolId,
  ClientId: job.clientId,
  endpoint: job.endpoint,
  Storage: storage,
});
let user = null; // the CognitoUser of the latest sign-in

// amazon-cognito-identity-js 6.3.21 (its latest release; the package is in maintenance) predates
// email MFA: authenticateUserInternal does not know the EMAIL_OTP challenge, sendMFACode only ever
// answers SMS_MFA_CODE / SOFTWARE_TOKEN_MFA_CODE, and sendMFASelectionAnswer only continues after
// choosing SMS_MFA or SOFTWARE_TOKEN_MFA. This shim, used only for email MFA, routes EMAIL_OTP to
// the mfaRequired callback (as SMS_MFA is), answers it with EMAIL_OTP_CODE through the library's
// own Client and Session, and lets the library finish the sign-in (tokens, device confirmation).
function teachEmailOtp(cognitoUser) {
  const original = cognitoUser.authenticateUserInternal.bind(cognitoUser);
  const respond = (name, responses, done) => {
    if (cognitoUser.deviceKey != null) responses.DEVICE_KEY = cognitoUser.deviceKey;
    const request = {
      ChallengeName: name,
      ClientId: pool.getClientId(),
      ChallengeResponses: { USERNAME: cognitoUser.username, ...responses },
      Session: cognitoUser.Session,
    };
    cognitoUser.client.request('RespondToAuthChallenge', request, done);
  };
  cognitoUser.authenticateUserInternal = (data, helper, callback) => {
    if (data.ChallengeName !== 'EMAIL_OTP') return original(data, helper, callback);
    cognitoUser.Session = data.Session;
    cognitoUser.sendEmailOtp = (code) =>
      respond('EMAIL_OTP', { EMAIL_OTP_CODE: code }, (err, reply) =>
        err ? callback.onFailure(err) : original(reply, helper, callback),
      );
    return callback.mfaRequired(data.ChallengeName, data.ChallengeParameters);
  };
  const selectOriginal = cognitoUser.sendMFASelectionAnswer.bind(cognitoUser);
  cognitoUser.sendMFASelectionAnswer = (answer, callback) => {
    if (answer !== 'EMAIL_OTP') return selectOriginal(answer, callback);
    const helper = new AuthenticationHelper(pool.getUserPoolName());
    return respond('SELECT_MFA_TYPE', { ANSWER: answer }, (err, reply) =>
      err ? callback.onFailure(err) : cognitoUser.authenticateUserInternal(reply, helper, callback),
    );
  };
}

/** The callbacks of authenticateUser: answer every challenge from the job's knowledge (the phone
 * and email the outbox delivers to, the TOTP secret, the MFA to choose) and record them. */
function signInCallbacks(step, seen, resolve, reject) {
  const callbacks = {
    onSuccess: (session, userConfirmationNecessary) => resolve({ session, userConfirmationNecessary }),
    onFailure: reject,
    newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
    customChallenge: () => reject(new Error('unexpected CUSTOM_CHALLENGE')),
    mfaRequired: (name, params) => {
      seen.push({ challenge: name, parameters: params });
      if (name === 'EMAIL_OTP') {
        outboxCode(job.endpoint, job.email).then((code) => user.sendEmailOtp(code), reject);
      } else {
        outboxCode(job.endpoint, job.phone).then((code) => user.sendMFACode(code, callbacks), reject);
      }
    },
    totpRequired: (name, params) => {
      seen.push({ challenge: name, parameters: params });
      user.sendMFACode(totpCode(job.totpSecret, job.timeOffset), callbacks, 'SOFTWARE_TOKEN_MFA');
    },
    selectMFAType: (name, params) => {
      seen.push({ challenge: name, parameters: params });
      user.sendMFASelectionAnswer(step.choose, callbacks);
    },
    mfaSetup: (name, params) => {
      seen.push({ challenge: name, parameters: params });
      user.associateSoftwareToken({
        onFailure: reject,
        associateSecretCode: (secret) => {
          seen.push({ associated: true });
          step.secret = secret;
          const code = totpCode(secret, job.timeOffset);
          user.verifySoftwareToken(code, step.deviceName || 'node', callbacks);
        },
      });
    },
  };
  return callbacks;
}

function tokensOf(session) {
  return {
    access: claims(session.getAccessToken().getJwtToken()),
    id: claims(session.getIdToken().getJwtToken()),
    refresh: Boolean(session.getRefreshToken().getToken()),
  };
}

async function signIn(step) {
  user = new CognitoUser({ Username: step.username || job.username, Pool: pool, Storage: storage });
  teachEmailOtp(user);
  // USER_SRP_AUTH is the library's default; a job may ask for USER_PASSWORD_AUTH.
  if (job.authFlow) user.setAuthenticationFlowType(job.authFlow);
  const details = new AuthenticationDetails({
    Username: step.username || job.username,
    Password: step.password || job.password,
  });
  const seen = [];
  const { session, userConfirmationNecessary } = await new Promise((resolve, reject) =>
    user.authenticateUser(details, signInCallbacks(step, seen, resolve, reject)),
  );
  const result = { challenges: seen, tokens: tokensOf(session), deviceKey: user.deviceKey ?? null };
  if (userConfirmationNecessary !== undefined) result.userConfirmationNecessary = userConfirmationNecessary;
  if (step.secret) result.secret = step.secret;
  return result;
}

/** A callback-style CognitoUser method as a promise: `method(...args, {onSuccess, onFailure})`. */
function call(method, ...args) {
  return new Promise((resolve, reject) =>
    user[method](...args, { onSuccess: resolve, onFailure: reject }),
  );
}

const actions = {
  signIn,
  rememberDevice: async () => ({ result: await call('setDeviceStatusRemembered') }),
  notRememberDevice: async () => ({ result: await call('setDeviceStatusNotRemembered') }),
  getDevice: async () => ({ device: (await call('getDevice')).Device }),
  listDevices: async () => ({ devices: (await call('listDevices', 60, null)).Devices }),
  forgetDevice: async () => ({ result: await call('forgetDevice') }),
  // Sign out locally (the tokens leave the storage; the device key and password stay).
  signOut: async () => {
    user.signOut();
    return {};
  },
};

await runSteps(job, actions, storage);
