export {
  type AssumeRoleCredentialProvider,
  type AssumeRoleProviderOptions,
  assumeRoleProvider,
  CredentialsError,
  refreshTime,
} from './assume-role.js';
