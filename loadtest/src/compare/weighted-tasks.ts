/** All tasks of a scenario with the share each gets when there are no users (class weight × task weight). */
import type { Scenario, Task } from "../scenario/scenario.ts";

export interface WeightedTask {
  readonly task: Task;
  readonly weight: number;
}

export function weightedTasks(scenario: Scenario): WeightedTask[] {
  return scenario.userClasses.flatMap((user) => {
    const total = user.tasks.reduce((sum, task) => sum + task.weight, 0);
    return user.tasks.map((task) => ({ task, weight: (user.weight * task.weight) / total }));
  });
}
