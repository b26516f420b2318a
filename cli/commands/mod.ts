import type { Command } from "../command.ts";
import { master } from "./master.ts";
import { viewer } from "./viewer.ts";
import { producer } from "./producer.ts";
import { storage } from "./storage.ts";
import { metrics } from "./metrics.ts";
import { serve } from "./serve.ts";

export const commands: Command[] = [master, viewer, producer, storage, metrics, serve];
