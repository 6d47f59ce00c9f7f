#!/usr/bin/env python3
"""Groups a perf profile of BertGen by kernel: `perf report --no-children --sort sym --stdio -i FILE` on stdin.

Usage (see bench/README.md, "Where the time goes"):
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 perf record -F 4000 -o run.data -- dotnet …
  perf report -i run.data --no-children --sort sym --stdio 2>/dev/null | python3 bench/profile/breakdown.py [MS_PER_CALL THREADS]

Prints each group's share of the samples and, given the median wall time of one call measured beside the profile
and the thread count, the thread-microseconds of one call it stands for: share × threads × time, since with every
thread busy (computing or waiting) one call's samples cover threads × its wall time.
"""
import re
import sys

# First match wins; order matters (the epilogue's activation is inlined into GemmEpilogue::Apply, etc.).
GROUPS = [
    ("GEMM micro-kernels (fp32)", r"GemmTileAvx512::|GemmTileAvx2::|GemmTileScalar::"),
    ("int8 row quantisation", r"Int8Quantizer::"),
    ("GEMM micro-kernels (int8)", r"Int8Tile|Int8Gemm::VnniTile|Int8Gemm::.*Tile\("),
    ("GEMM epilogues (bias, activation, residual)", r"GemmEpilogue|Activations::TryDispatch|ActivationKernels::"),
    ("GEMM drivers and on-the-fly packing", r"Gemm::|PanelPacker::|PackPartFromPool"),
    ("weight packing after the optimiser step", r"LinearPacker::"),
    ("attention (fused kernels)", r"Attention|BlockTranspose"),
    ("LayerNorm", r"LayerNorm"),
    ("embeddings and mask", r"EmbeddingSum|MaskBias|Gather"),
    ("losses", r"LossKernels::"),
    ("bias gradients and row sums", r"RowReductions::"),
    ("dropout", r"Dropout::"),
    ("optimiser (AdamW, clipping)", r"AdamW::|GradientClipping::"),
    # The workers' spin (Thread.SpinWait) runs in libcoreclr, which ships without symbols: perf shows the address of its
    # pause loop, 0x46e4xx in .NET 10.0.12's libcoreclr.so (checked with perf's call graph: every caller is
    # ComputePool's worker loop). Another runtime build puts it elsewhere; it then falls under "everything else".
    ("pool hand-offs and waiting", r"ComputePool|0x000000000046e|__sched_yield|SpinWait|do_sched_yield"),
    ("memory copies and clears", r"__memmove|__memset|memset|Memmove|SpanHelpers::Clear"),
    ("kernel (page faults, interrupts)", r"\[k\]"),
]


def main():
    if len(sys.argv) not in (1, 3):
        sys.exit("usage: perf report --no-children --sort sym --stdio | breakdown.py [MEDIAN_MS THREADS]")
    try:
        ms_per_call = float(sys.argv[1]) * int(sys.argv[2]) if len(sys.argv) == 3 else None
    except ValueError:
        sys.exit(f"breakdown.py: MEDIAN_MS must be a number and THREADS a whole number, got {sys.argv[1]!r} {sys.argv[2]!r}")
    totals = {name: 0.0 for name, _ in GROUPS}
    other = 0.0
    line_pattern = re.compile(r"^\s*([0-9.]+)%\s+(.*)$")
    for line in sys.stdin:
        match = line_pattern.match(line)
        if not match:
            continue
        share, symbol = float(match.group(1)), match.group(2)
        for name, pattern in GROUPS:
            if re.search(pattern, symbol):
                totals[name] += share
                break
        else:
            other += share
    rows = sorted(((share, name) for name, share in totals.items() if share > 0), reverse=True)
    rows.append((other, "everything else (runtime, JIT, GC, libc)"))
    header = "| where | share of samples |" + (" thread-µs per call |" if ms_per_call else "")
    print(header)
    print("| --- | ---: |" + (" ---: |" if ms_per_call else ""))
    for share, name in rows:
        cells = f"| {name} | {share:.1f}% |"
        if ms_per_call:
            cells += f" {share / 100 * ms_per_call * 1000:.0f} |"
        print(cells)


if __name__ == "__main__":
    main()
