import { afterAll, beforeAll } from 'vitest';

/**
 * Registers the environment every test that drives the real AWS SDK needs, and restores the
 * original afterwards: dummy credentials (the SDK's default chain reads the environment), no
 * instance-metadata lookups, no Node-version notice, and no profile or endpoint from the machine.
 */
export function useAwsTestEnvironment(): void {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDWIREPACKTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'wirepack-test-secret-never-printed';
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_ENDPOINT_URL;
  });
  afterAll(() => {
    process.env = saved;
  });
}
