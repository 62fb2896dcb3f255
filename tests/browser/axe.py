"""axe-core (vendored, tests/browser/vendor/axe-core) injected into a page: its serious and
critical violations, each as "rule: target" strings."""
from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


def serious_violations(page, allow=()):
    """Run axe-core on the page (the context must bypass the CSP so the script can be added)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['targets']}" for v in results
            if v["impact"] in ("serious", "critical") and v["id"] not in allow]
