import { describe, expect, it } from "vitest";
import { BudgetAlerts } from "./budget-alerts.ts";

describe("budget alerts", () => {
  it("has three levels: crossed, 5 % left, 15 % left", () => {
    expect(BudgetAlerts.levelOf(10, 100)).toBeUndefined();
    expect(BudgetAlerts.levelOf(84.9, 100)).toBeUndefined();
    expect(BudgetAlerts.levelOf(85, 100)).toBe("15% left");
    expect(BudgetAlerts.levelOf(95, 100)).toBe("5% left");
    expect(BudgetAlerts.levelOf(100, 100)).toBe("crossed");
    expect(BudgetAlerts.levelOf(150, 100)).toBe("crossed");
    expect(BudgetAlerts.levelOf(5, 0)).toBeUndefined();
  });

  it("alerts once per key and level per budget_alert_ttl, naming the key by alias, never by its secret", () => {
    const budgets = new BudgetAlerts(86_400_000);
    const reading = { keyHash: "ab12cd34ef56", keyAlias: "team-a", spend: 90, maxBudget: 100 };
    const first = budgets.reading(reading, 0);
    expect(first).toMatchObject({ type: "budget_alerts", level: "Medium", title: "Budget almost spent (15% left): team-a", detail: "spend 90.00 of 100.00 USD", dashboard: "pharos-cost" });
    expect(budgets.reading({ ...reading, spend: 91 }, 1000)).toBeUndefined();
    expect(budgets.reading({ ...reading, spend: 96 }, 2000)?.title).toBe("Budget almost spent (5% left): team-a");
    expect(budgets.crossed("ab12cd34ef56", "team-a", "Budget has been exceeded", 3000)?.level).toBe("High");
    expect(budgets.crossed("ab12cd34ef56", "team-a", "Budget has been exceeded", 4000)).toBeUndefined();
    expect(budgets.crossed("ab12cd34ef56", "team-a", "again", 86_403_000)?.title).toBe("Budget crossed: team-a");
    expect(budgets.crossed("ffff0000aaaa", undefined, undefined, 0)?.title).toBe("Budget crossed: key ffff0000…");
  });
});
