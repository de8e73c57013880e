"use client";

import { createContext } from "react";

/** Whether the signed-in person may use any tool (decided on the server): without one there is no Tools menu. */
export const ToolsAvailableContext = createContext(false);
