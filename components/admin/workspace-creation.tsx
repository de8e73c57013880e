"use client";

import { api } from "@/lib/client/api-client";
import { workspaceCreationModes, type WorkspaceCreationMode } from "@/lib/shared/workspaces";
import { InstanceSettingControl } from "@/components/admin/instance-setting";

const labels: Record<WorkspaceCreationMode, string> = {
  everyone: "Everyone",
  admins: "Admins only",
};

/** Who may create workspaces: an admin's pick wins over WORKSPACE_CREATION until reset. */
export function WorkspaceCreationControl(props: {
  mode: WorkspaceCreationMode;
  source: "admin" | "environment";
  environment: WorkspaceCreationMode;
}) {
  return (
    <InstanceSettingControl
      id="workspace-creation"
      heading="Workspace creation"
      label="Who can create workspaces"
      variable="WORKSPACE_CREATION"
      modes={workspaceCreationModes}
      labels={labels}
      save={(next) => api.admin.setWorkspaceCreation(next)}
      note="Existing workspaces stay either way."
      {...props}
    />
  );
}
