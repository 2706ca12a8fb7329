import { routerStateContract } from "../../test/router-state-contract.ts";
import { MemoryRouterState } from "./memory-state.ts";

routerStateContract("memory", async () => new MemoryRouterState());
