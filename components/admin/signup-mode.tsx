"use client";

import { api } from "@/lib/client/api-client";
import { signupModes, type SignupMode } from "@/lib/shared/signup-modes";
import { InstanceSettingControl } from "@/components/admin/instance-setting";

const labels: Record<SignupMode, string> = {
  open: "Open: anyone can sign up",
  approval: "Approval: new accounts wait for an admin",
  invite: "Invitation only",
  closed: "Closed: no new accounts",
};

/** The sign-up policy: an admin's pick wins over SIGNUP_MODE until reset. */
export function SignupModeControl(props: {
  mode: SignupMode;
  source: "admin" | "environment";
  environment: SignupMode;
}) {
  return (
    <InstanceSettingControl
      id="signup-policy"
      heading="Who may sign up"
      label="Sign-up mode"
      variable="SIGNUP_MODE"
      modes={signupModes}
      labels={labels}
      save={(next) => api.admin.setSignupMode(next)}
      {...props}
    />
  );
}
