"""Lab 4's claims ledger: every sentence of lab 4 that states a number or a direction, checked
against the shipped precomputed studies (assets/lab4/pruning_study.json and
pruning_study_cnn.json).

Each entry names the file that says it, a quote that must still be there (whitespace and
Markdown emphasis ignored), and a check of the data. A recompute that changes the story fails
here with the sentence and the numbers, instead of silently contradicting the page; editing a
sentence without updating its entry fails too. ``course/claims.md`` lists the same entries for
instructors (checked below).
"""

from __future__ import annotations

import json

import numpy as np

from .ledger import ROOT, Claim, ledger_tests
LAB = "labs/04_pruning.ipynb"
LAB_B = "labs/04b_pruning_ablations.ipynb"
PLAN = "course/lab04.md"
AT_INIT_DATA = ("snip", "grasp", "grasp_abs", "synflow")  # the data-driven at-init methods
AT_INIT = ("random", "magnitude", "snip", "grasp", "grasp_abs", "synflow")


def load(arch: str) -> dict:
    name = "pruning_study.json" if arch == "mlp" else "pruning_study_cnn.json"
    return json.loads((ROOT / "assets" / "lab4" / name).read_text(encoding="utf-8"))


STUDIES = {"mlp": load("mlp"), "cnn": load("cnn")}


def acc(arch: str, curve: str, s: float) -> float:
    """Mean test accuracy (%) of a curve at sparsity s."""
    cur = STUDIES[arch]["curves"][curve]
    for x, a in zip(cur["sparsity"], cur["accuracy"]):
        if abs(x - s) < 1e-4:
            return 100 * float(np.mean(a))
    raise KeyError(f"{curve} has no point at sparsity {s}")


def sparsities(arch: str) -> list[float]:
    return list(STUDIES[arch]["provenance"]["config"]["sparsities"])


def dense(arch: str) -> float:
    return 100 * float(np.mean(STUDIES[arch]["dense"]))


def ablation(arch: str) -> tuple[float, dict]:
    abl = STUDIES[arch]["ablations"]
    key = max(abl, key=float)
    return float(key), {m: {v: 100 * float(np.mean(a)) for v, a in t.items()} for m, t in abl[key].items()}


def early(arch: str) -> dict:
    e = STUDIES[arch]["early"]
    return {m: [100 * float(np.mean(a)) for a in v] for m, v in e["accuracy"].items()}


def layers(arch: str, s: float) -> dict:
    for k, v in STUDIES[arch]["layers"].items():
        if abs(float(k) - s) < 1e-4:
            return v
    raise KeyError(s)


def table(fn, arch, names, ss):
    return "; ".join(f"{n}@{s:.3f}={fn(arch, n, s):.1f}" for n in names for s in ss)


# ------------------------------------------------------------------------------------ checks

def c_dense():
    m, c = dense("mlp"), dense("cnn")
    return 65 <= m <= 71 and 90 <= c <= 95, f"dense MLP {m:.1f}%, CNN {c:.1f}%"


def c_low_sparsity(arch):
    def check():
        s = sparsities(arch)[0]
        d = dense(arch)
        names = [n for n in STUDIES[arch]["curves"]]
        worst = min(acc(arch, n, s) for n in names)
        return worst >= 0.9 * d, f"dense {d:.1f}%, lowest curve at {s:.3f}: {worst:.1f}% ({table(acc, arch, names, [s])})"
    return check


def c_beat_random(arch):
    def check():
        ss = [s for s in sparsities(arch) if s >= 0.89]
        ok = all(acc(arch, m, s) > acc(arch, "random", s) for m in AT_INIT_DATA for s in ss)
        return ok, table(acc, arch, ("random", *AT_INIT_DATA), ss)
    return check


def c_magnitude_chance():
    ss = [s for s in sparsities("mlp") if s >= 0.956]
    ok = all(acc("mlp", "magnitude", s) <= 12.0 for s in ss)
    return ok, table(acc, "mlp", ("magnitude",), ss)


def c_lottery_on_top(arch):
    def check():
        ss = [s for s in sparsities(arch) if s >= 0.79]
        ok = all(acc(arch, "lottery", s) > max(acc(arch, m, s) for m in AT_INIT) for s in ss)
        return ok, table(acc, arch, ("lottery", *AT_INIT), ss)
    return check


def c_after_below():
    ss = [s for s in sparsities("mlp") if s >= 0.95]
    lr_below = all(acc("mlp", "after_lr_rewind", s) < min(acc("mlp", m, s) for m in ("snip", "grasp", "synflow"))
                   for s in ss)
    lr_below &= all(acc("mlp", "after_lr_rewind", s) < acc("mlp", "snip", s) for s in sparsities("mlp") if s >= 0.89)
    ss2 = [s for s in sparsities("mlp") if s >= 0.79]
    ft_below = all(acc("mlp", "after_finetune", s) < acc("mlp", "random", s) for s in ss2)
    return lr_below and ft_below, table(acc, "mlp", ("after_lr_rewind", "after_finetune", "random", "snip",
                                                      "grasp", "synflow"), ss2)


def c_before_retraining():
    b = STUDIES["mlp"]["before_retraining"]
    pts = [(s, 100 * float(np.mean(a))) for s, a in zip(b["sparsity"], b["accuracy"]) if s >= 0.89]
    return bool(pts) and all(a < 20 for _, a in pts), str(pts)


def c_imp_lr_below_synflow():
    s = 0.956
    a, b = acc("mlp", "imp_lr_rewind", s), acc("mlp", "synflow", s)
    return a < b, f"iterative + LR rewinding {a:.1f}%, SynFlow {b:.1f}% at {s}"


def c_weight_rewind_below_lottery():
    s = 0.956
    a, b = acc("mlp", "after_weight_rewind", s), acc("mlp", "lottery", s)
    return b - a > 10, f"one-shot + weight rewinding {a:.1f}%, lottery {b:.1f}% at {s}"


def c_train_fits():
    t = 100 * float(np.mean(STUDIES["mlp"]["dense_train"]))
    return t >= 99.9 and dense("mlp") < 72, f"MLP training accuracy {t:.1f}%, test {dense('mlp'):.1f}%"


def c_cnn_after_working():
    ss = sparsities("cnn")
    above_random = all(acc("cnn", "after_lr_rewind", s) > acc("cnn", "random", s) for s in ss)
    above_init = all(acc("cnn", "after_lr_rewind", s) > max(acc("cnn", m, s) for m in AT_INIT) for s in ss if s < 0.9)
    below_synflow = all(acc("cnn", "after_lr_rewind", s) < acc("cnn", "synflow", s) for s in ss if s > 0.95)
    generalises = dense("cnn") > 90 and dense("mlp") < 70 and min(np.mean(STUDIES[a]["dense_train"]) for a in STUDIES) > 0.999
    return above_random and above_init and below_synflow and generalises, table(acc, "cnn", ("after_lr_rewind", *AT_INIT), ss)


def c_early_mlp():
    e = early("mlp")
    gain = {m: max(v) - v[0] for m, v in e.items()}
    ok = (gain["magnitude"] > 30 and e["magnitude"][0] <= 12 and gain["synflow"] > 2 and gain["grasp"] > 2
          and gain["snip"] < 2)
    return ok, f"gains {gain}, k=0 {({m: v[0] for m, v in e.items()})}"


def c_early_below_lottery(arch):
    def check():
        e = early(arch)
        s = STUDIES[arch]["early"]["sparsity"]
        lot = acc(arch, "lottery", s)
        best = {m: max(v) for m, v in e.items()}
        return all(b < lot for b in best.values()), f"lottery {lot:.1f}%, best after k steps {best}"
    return check


def c_early_cnn_magnitude():
    e = early("cnn")
    gain = {m: max(v) - v[0] for m, v in e.items()}
    return max(gain, key=gain.get) == "magnitude" and min(gain.values()) >= 3, f"gains {gain}"


def c_early_both():
    ok1, n1 = c_early_mlp()
    ok2, n2 = c_early_cnn_magnitude()
    ok3, n3 = c_early_below_lottery("mlp")()
    ok4, n4 = c_early_below_lottery("cnn")()
    return ok1 and ok2 and ok3 and ok4, f"MLP {n1}; {n3}. CNN {n2}; {n4}"


def c_reinit_small():
    s, t = ablation("mlp")
    drops = {m: t[m]["original"] - t[m]["reinit"] for m in AT_INIT_DATA}
    ok = all(drops[m] <= 3 for m in ("snip", "grasp", "synflow")) and drops["grasp_abs"] <= 5
    return ok, f"reinit drops at {s}: {drops}"


def c_shuffle_hurts():
    s, t = ablation("mlp")
    drops = {m: t[m]["original"] - t[m]["shuffled"] for m in AT_INIT_DATA}
    return all(3 < d <= 12 for d in drops.values()), f"shuffle drops at {s}: {drops}"


def c_lottery_ablations():
    s, t = ablation("mlp")
    lt = t["lottery"]
    drops = {v: lt["original"] - lt[v] for v in ("shuffled", "reinit")}
    return all(d > 10 for d in drops.values()), f"lottery drops at {s}: {drops}"


def c_inversion(arch):
    def check():
        s, t = ablation(arch)
        drops = {m: t[m]["original"] - t[m]["inverted"] for m in AT_INIT_DATA}
        return all(d > 15 for d in drops.values()), f"{arch} inversion drops at {s}: {drops}"
    return check


def c_grasp_abs_close():
    ss = sparsities("mlp")
    diffs = {s: acc("mlp", "grasp_abs", s) - acc("mlp", "grasp", s) for s in ss}
    return all(abs(d) <= 3 for d in diffs.values()), f"|GraSP| - GraSP: {diffs}"


def c_cnn_shuffle_more():
    (_, m), (_, c) = ablation("mlp"), ablation("cnn")
    dm = {x: m[x]["original"] - m[x]["shuffled"] for x in ("snip", "grasp", "synflow")}
    dc = {x: c[x]["original"] - c[x]["shuffled"] for x in ("snip", "grasp", "synflow")}
    return all(dc[x] > dm[x] for x in dm), f"shuffle drops MLP {dm}, CNN {dc}"


def _all(*checks):
    def check():
        results = [c() for c in checks]
        return all(ok for ok, _ in results), " | ".join(n for _, n in results)
    return check


def c_after_below_synflow_both():
    vals = {a: (acc(a, "after_lr_rewind", 0.956), acc(a, "synflow", 0.956)) for a in STUDIES}
    return all(x < y for x, y in vals.values()), f"(LR rewinding, SynFlow) at 0.956: {vals}"


def c_reinit_cnn_grasp():
    _, t = ablation("cnn")
    d = t["grasp"]["original"] - t["grasp"]["reinit"]
    return d > 3, f"CNN GraSP reinit drop {d:.1f}"


def c_shuffle_both():
    out, ok = {}, True
    for a in STUDIES:
        _, t = ablation(a)
        out[a] = {m: round(t[m]["original"] - t[m]["shuffled"], 1) for m in AT_INIT_DATA}
        ok &= all(d > 3 for d in out[a].values())
    return ok, str(out)


def c_lottery_ablations_both():
    out = {}
    for a in STUDIES:
        _, t = ablation(a)
        out[a] = {v: t["lottery"]["original"] - t["lottery"][v] for v in ("shuffled", "reinit")}
    return all(d > 10 for x in out.values() for d in x.values()), str(out)


def c_layers_collapse():
    ok = True
    info = []
    for s in (0.956, 0.982, 0.99, 0.995, 0.999):
        item = layers("mlp", s)
        mag = set(item["magnitude"]["collapsed"])
        ok &= mag >= {"layers/1/kernel", "layers/2/kernel"}
        ok &= item["synflow"]["collapsed"] == []
        info.append(f"{s}: magnitude {sorted(mag)}, synflow {item['synflow']['collapsed']}")
    below = layers("mlp", sparsities("mlp")[2])["magnitude"]["collapsed"]
    return ok and below == [], "; ".join(info) + f"; 0.893: magnitude {below}"


def c_recipe():
    m, c = (STUDIES[a]["provenance"]["config"] for a in ("mlp", "cnn"))
    ok = (m["steps"], c["steps"]) == (4000, 2000) and m["batch_size"] == c["batch_size"] == 100
    ok &= m["n_train"] is None and c["n_train"] is None and tuple(c["channels"]) == (32, 32, 32)
    ok &= m["learning_rate"] == c["learning_rate"] == 0.01 and m["final_lr_fraction"] == 0.01
    return ok, f"MLP {m['steps']} steps, CNN {c['steps']} steps, channels {c['channels']}, batch {m['batch_size']}"


def c_precompute_minutes():
    m, c = (STUDIES[a]["provenance"]["seconds"] / 60 for a in ("mlp", "cnn"))
    return 3 <= m <= 7 and 18 <= c <= 32, f"MLP {m:.1f} min, CNN {c:.1f} min"


def c_only_lottery_beats_at_init():
    below = {}
    for a in STUDIES:
        ss = [s for s in sparsities(a) if s >= 0.79]
        others = ("after_finetune", "after_lr_rewind", "after_weight_rewind", "imp_lr_rewind")
        below[a] = {o: [s for s in ss if acc(a, o, s) < max(acc(a, m, s) for m in AT_INIT)] for o in others}
    ok = all(v for x in below.values() for v in x.values())
    ok &= c_lottery_on_top("mlp")()[0] and c_lottery_on_top("cnn")()[0]
    return ok, f"sparsities where each falls below the best at-init method: {below}"


def c_synflow_best_extreme():
    best = {a: max(AT_INIT, key=lambda m: acc(a, m, max(sparsities(a)))) for a in STUDIES}
    return all(b == "synflow" for b in best.values()), f"best at-init method at the top sparsity: {best}"


def c_layers_after():
    item = layers("mlp", 0.956)
    r = item["magnitude_after"]["remaining"]
    spread = max(r.values()) / min(r.values())
    ratios = {m: item[m]["remaining"]["layers/2/kernel"] / item[m]["remaining"]["layers/1/kernel"]
              for m in ("lottery", "snip", "synflow")}
    return spread <= 2.5 and all(x >= 5 for x in ratios.values()), f"after-training spread {spread:.2f}; output/layer-2 {ratios}"


PAPER = "Frankle, Dziugaite, Roy & Carbin, ICLR 2021, arXiv 2009.08576"
CLAIMS = [
    Claim("L4.recipe", PLAN, "The MLP trains 4,000 steps (100 epochs), the CNN 2,000", c_recipe,
          "Greydanus & Kobak, ICML 2024 (Adam, learning rate 0.01, batch 100)"),
    Claim("L4.precompute-time", PLAN, "about 5 and 25 minutes on a 2-core CPU", c_precompute_minutes),
    Claim("L4.only-lottery", PLAN, "Only the lottery ticket (iterative pruning with the weights rewound to early in "
          "training) beat every at-init method here, at every sparsity from 79.0% on, on both networks",
          c_only_lottery_beats_at_init),
    Claim("L4.synflow-extreme", PLAN, "At extreme sparsity it was the best at-init method here", c_synflow_best_extreme,
          "Tanaka et al., NeurIPS 2020"),
    Claim("L4.dense", LAB, "The dense MLP reaches about 68% test accuracy and the CNN about 92%", c_dense,
          "Greydanus & Kobak, ICML 2024 (MLP 68%, CNN 94%)"),
    Claim("L4.low-sparsity", (LAB, PLAN), "At 48.8% sparsity every method keeps at least 90% of the dense accuracy",
          c_low_sparsity("mlp"), PAPER),
    Claim("L4.beat-random", (LAB, PLAN), "SNIP, GraSP, |GraSP| and SynFlow beat random pruning at 89.3% sparsity and above",
          c_beat_random("mlp"), PAPER),
    Claim("L4.magnitude-chance", LAB, "from 95.6% on it is at chance", c_magnitude_chance),
    Claim("L4.lottery-top", (LAB, PLAN), "The lottery ticket beats every at-init method at every sparsity from 79.0% on",
          c_lottery_on_top("mlp"), PAPER),
    Claim("L4.after-below", (LAB, PLAN), "with learning-rate rewinding it falls below SNIP from 89.3% sparsity on and below "
          "SNIP, GraSP and SynFlow from 95.6% on, and fine-tuned it falls below random from 79.0% on",
          c_after_below, PAPER),
    Claim("L4.before-retraining", LAB, "leave the trained MLP close to chance (under 20%) from 89.3% sparsity on",
          c_before_retraining),
    Claim("L4.imp-lr", LAB, "iterative pruning with learning-rate rewinding is still below SynFlow at 95.6%",
          c_imp_lr_below_synflow, "Renda, Frankle & Carbin, ICLR 2020"),
    Claim("L4.weight-rewind", LAB, "at 95.6% the one-shot mask with its weights rewound to step 200 is more than "
          "10 points below the lottery ticket", c_weight_rewind_below_lottery),
    Claim("L4.memorises", LAB, "this MLP fits its training set exactly (100% training accuracy against 68% on the "
          "test set)", c_train_fits),
    Claim("L4.cnn-low-sparsity", LAB, "at 48.8% sparsity every method again keeps at least 90% of it",
          c_low_sparsity("cnn"), PAPER),
    Claim("L4.cnn-lottery-top", LAB, "On the CNN too the lottery ticket beats every at-init method from 79.0% on",
          c_lottery_on_top("cnn"), PAPER),
    Claim("L4.cnn-after", LAB, "one-shot magnitude pruning after training with learning-rate rewinding beats random "
          "pruning at every sparsity and every at-init method up to 89.3%, so it is a working baseline there; it "
          "still falls below SynFlow at 95.6% and 98.2%. The CNN generalises far better than the MLP (92% against "
          "68% test accuracy, both at 100% training accuracy)", c_cnn_after_working, PAPER),
    Claim("L4.early", (LAB, PLAN), "scoring after a few hundred steps lifts magnitude pruning by more than 30 points (from "
          "chance at k = 0), and SynFlow and GraSP by a few points; SNIP gains nothing", c_early_mlp,
          PAPER + ", section 6"),
    Claim("L4.early-below-lottery", (LAB, PLAN), "None of them reaches the lottery ticket", c_early_below_lottery("mlp")),
    Claim("L4.cnn-early", LAB, "On the CNN, magnitude gains the most too, and every method gains at least 3 points, "
          "SNIP included", c_early_cnn_magnitude),
    Claim("L4.early-both", LAB, "The paper's finding holds here for magnitude, SynFlow and GraSP on both networks, and "
          "for SNIP on the CNN only; none of the four reaches the lottery ticket on either network", c_early_both,
          PAPER + ", section 6"),
    Claim("L4.reinit", (LAB_B, PLAN), "Reinitialising costs SNIP, GraSP and SynFlow at most 3 points each (|GraSP| at most 5)",
          c_reinit_small, PAPER),
    Claim("L4.shuffle", (LAB_B, PLAN), "Shuffling costs each of them more than 3 points (5 to 12)", c_shuffle_hurts, PAPER),
    Claim("L4.lottery-ablations", (LAB_B, PLAN), "The lottery ticket loses more than 10 points to either ablation",
          c_lottery_ablations, PAPER),
    Claim("L4.inversion", (LAB_B, PLAN), "Inversion costs every data-driven method (SNIP, GraSP, |GraSP|, SynFlow) more than "
          "15 points", c_inversion("mlp"), PAPER),
    Claim("L4.grasp-abs", LAB_B, "|GraSP|, does about as well as GraSP here: within 3 points at every sparsity of "
          "part 1", c_grasp_abs_close, PAPER),
    Claim("L4.cnn-shuffle", (LAB_B, PLAN), "On the CNN, shuffling costs SNIP, GraSP and SynFlow more than it costs them on "
          "the MLP", c_cnn_shuffle_more, "Lee et al.'s objection, as discussed by " + PAPER),
    Claim("L4.cnn-inversion", LAB_B, "inversion still costs every data-driven method more than 15 points",
          c_inversion("cnn")),
    Claim("L4.layers-collapse", (LAB_B, PLAN), "magnitude at initialisation empties layers 2 and 3 from 95.6% on (hence its "
          "fall to chance in part 1); SynFlow collapses no layer even at 99.9%", c_layers_collapse,
          "Tanaka et al., NeurIPS 2020"),
    Claim("L4.layers-after-plan", PLAN, "At 95.6%, one-shot magnitude after training keeps about the same fraction of "
          "every layer of the MLP, the lottery ticket at least 5 times more of the output layer than of layer 2",
          c_layers_after),
    Claim("L4.misc-magnitude", PLAN, "pruned in one shot and retrained, it fell below SNIP, GraSP and SynFlow at 95.6% "
          "on this lab's MLP", c_after_below),
    Claim("L4.table-low", PLAN, "agrees on both networks (every method keeps at least 90% of the dense accuracy at "
          "48.8%)", _all(c_low_sparsity("mlp"), c_low_sparsity("cnn")), PAPER),
    Claim("L4.table-random", PLAN, "agrees for SNIP, GraSP, |GraSP| and SynFlow on both networks (89.3% and above); "
          "magnitude at initialisation falls to chance on the MLP", _all(c_beat_random("mlp"), c_beat_random("cnn"),
                                                                         c_magnitude_chance), PAPER),
    Claim("L4.table-after", PLAN, "agrees for the lottery ticket on both networks; one-shot magnitude after training "
          "with learning-rate rewinding falls below SynFlow at 95.6% on both",
          _all(c_lottery_on_top("mlp"), c_lottery_on_top("cnn"), c_after_below_synflow_both), PAPER),
    Claim("L4.table-early", PLAN, "agrees for magnitude, SynFlow and GraSP on both networks, for SNIP on the CNN only; "
          "none reaches the lottery ticket", c_early_both, PAPER),
    Claim("L4.table-reinit", PLAN, "agrees on the MLP (at most 3 points for SNIP, GraSP and SynFlow); on the CNN, GraSP "
          "loses more than 3", _all(c_reinit_small, c_reinit_cnn_grasp), PAPER),
    Claim("L4.table-shuffle", PLAN, "disagrees on both networks (more than 3 points for SNIP, GraSP, |GraSP| and "
          "SynFlow), and more on the CNN than on the MLP", _all(c_shuffle_both, c_cnn_shuffle_more), PAPER),
    Claim("L4.table-lottery", PLAN, "agrees on both networks (more than 10 points each)", c_lottery_ablations_both,
          PAPER),
    Claim("L4.table-inversion", PLAN, "disagrees on GraSP on both networks: inversion costs it more than 15 points too",
          _all(c_inversion("mlp"), c_inversion("cnn")), PAPER),
    Claim("L4.layers-after", LAB_B, "keeps about the same fraction of every layer (at most 2.5 times more of one than "
          "of another, like random pruning), whereas the lottery ticket, like SNIP and SynFlow, keeps at least 5 "
          "times more of the output layer than of layer 2", c_layers_after),
]


(test_the_sentence_is_on_the_page, test_the_data_support_the_sentence,
 test_the_course_ledger_is_generated_from_the_claims) = ledger_tests("lab4", CLAIMS)
