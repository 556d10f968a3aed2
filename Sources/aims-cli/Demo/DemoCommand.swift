import AIMS
import Foundation
import SimCMF

/// `aims demo`: the whole AIMS pipeline on the embedded default model (`DemoPipeline`): synthetic polarization
/// scenes → manifest → zero-shot LiteMedSAM, a LiteMedSAM trained from scratch, and SimCMF (channel alignment +
/// LoRA) on the pretrained LiteMedSAM → test mIoU table, curves, overlays, `report.html`.
struct DemoCommand: Command {
    static let name = "demo"
    static let summary = "the whole pipeline on LiteMedSAM: synthetic polarization set, zero-shot vs from-scratch vs SimCMF+LoRA, HTML report"
    static let discussion = """
    Runs, each step the library call behind an `aims` command (printed before it runs, to repeat it by hand):
      1. aims synth    N synthetic scenes (--scenes) in the zju-rgbp convention: four polarizer angles of
                       RGB, instance masks; transparent objects that are faint in intensity but strongly
                       polarized (Fresnel reflection), so the channels a plain-RGB SAM never sees carry the signal
      2. aims build    the manifest: official train/val(=test) split, a validation split carved from
                       train, SHA-256 of every file, training-split channel statistics
      3. zero-shot     pretrained LiteMedSAM on the intensity channels (nothing trained)
      4. from scratch  LiteMedSAM's architecture, random initial weights, everything trained (E epochs)
      5. SimCMF+LoRA   pretrained LiteMedSAM, SimCMF's gated channel alignment (9 → 3) + LoRA on q and v
                       of every TinyViT and mask-decoder attention (E epochs, --epochs)
         Both trained runs: batch 4, lr 1e-3, inputs min-max scaled to [0, 1] (--normalize range),
         validation before every epoch and after the last.
      6. aims eval     each model on the test split (SimCMF protocol: one click per region, 95 % bootstrap
                       interval over images), overlays; the interactive clicks protocol with at most
                       --clicks clicks per object (mIoU after 1, 3, 5 clicks, NoC@85/90); and, for reference
                       only, zero-shot LiteMedSAM with a box per region (the prompt it was trained with; a
                       different protocol, not part of the comparison)
      7. DIR/report.html: settings, the mIoU table, loss and validation-mIoU curves, the clicks-to-IoU
                       curves, overlays, and a verdict computed from the table
    Outputs under DIR: data/, aims/zju-rgbp.json, runs/<method>/, eval/<method>/,
    report.html, results.json. The numbers printed and reported are those of this invocation.
    """

    let out = Option("out", .path("DIR"), default: "out/demo", help: "the output folder")
    let weights = Option("weights", .path("lite_medsam.pth"), defaultText: "$AIMS_CACHE/lite_medsam.pth, see scripts/fetch-weights",
                         help: "the LiteMedSAM checkpoint")
    let scenes = Option("scenes", .positiveInt("N"), default: 32, help: "synthetic scenes")
    let epochs = Option("epochs", .positiveInt("E"), default: 3, help: "epochs of each trained method")
    let seed = Option("seed", .seed("S"), default: 7, help: "the seed of the scenes, splits and training")
    let clicks = Option("clicks", .int(in: 1...20, "K"), default: 5,
                        help: "clicks per object of the clicks protocol (aims eval --protocol clicks defaults to 20)")
    let force = Flag("force", help: "replace a non-empty DIR")
    let json = Flag("json", help: "the results (as results.json) on stdout")

    func run(_ args: ParsedArguments) throws -> Int32 {
        let settings = DemoPipeline.Settings(out: URL(fileURLWithPath: args.value(self.out)),
                                             weights: URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path),
                                             scenes: args.value(self.scenes), epochs: args.value(self.epochs), seed: args.value(self.seed),
                                             force: args[self.force], clicks: args.value(self.clicks))
        let console = PipelineConsole(name: "aims demo")
        let results = try DemoPipeline.run(settings) { console.show($0) }
        if args[self.json] {
            try JSONOutput.print(results)
        } else {
            print("method                 test mIoU  test mDice  trainable values  training")
            for m in results.methods {
                print(m.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                      + String(format: " %9.4f  %10.4f  %16d  %@", m.test.mIoU, m.test.mDice, m.trainableValues,
                               m.trainingSeconds.map { DurationText.format($0) } ?? "-"))
            }
            for m in results.context {
                print(m.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                      + String(format: " %9.4f  %10.4f  (another protocol, for reference; not compared)", m.test.mIoU, m.test.mDice))
            }
            for m in results.methods {
                if let c = m.test.clicks { print(m.name.padding(toLength: 22, withPad: " ", startingAt: 0) + " clicks protocol: " + c.text) }
            }
            print(results.verdict)
            print("report: \(results.report) (wall time \(DurationText.format(results.seconds)))")
        }
        return 0
    }
}
