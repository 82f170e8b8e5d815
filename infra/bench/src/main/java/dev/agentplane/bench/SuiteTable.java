package dev.agentplane.bench;

import dev.agentplane.bench.ScenarioReport.CpuUse;
import dev.agentplane.bench.ScenarioReport.Figure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The suite's results as Markdown, kept between two markers at the top of {@code
 * docs/benchmarks.md}: a rerun replaces its own section and leaves the hand-written history below.
 */
final class SuiteTable {

  static final String BEGIN = "<!-- bench-suite:begin (written by infra/scripts/bench.sh) -->";
  static final String END = "<!-- bench-suite:end -->";

  private SuiteTable() {}

  static void writeInto(
      Path markdown,
      List<ScenarioReport> reports,
      Map<String, Object> stack,
      double totalSeconds,
      Instant at)
      throws IOException {
    String section = render(reports, stack, totalSeconds, at);
    String existing = Files.exists(markdown) ? Files.readString(markdown) : "# Benchmarks\n";
    int begin = existing.indexOf(BEGIN);
    int end = existing.indexOf(END);
    String updated;
    if (begin >= 0 && end > begin) {
      updated = existing.substring(0, begin) + section + existing.substring(end + END.length());
    } else {
      // Below the title line, above the earlier sections.
      int afterTitle = existing.indexOf('\n') + 1;
      updated =
          existing.substring(0, afterTitle)
              + "\n"
              + section
              + "\n"
              + existing.substring(afterTitle);
    }
    Files.writeString(markdown, updated);
  }

  static String render(
      List<ScenarioReport> reports, Map<String, Object> stack, double totalSeconds, Instant at) {
    StringBuilder out = new StringBuilder(BEGIN).append("\n\n");
    out.append("## The suite, side by side\n\n");
    out.append(
        String.format(
            Locale.ROOT,
            "Measured %s by `infra/scripts/bench.sh` in %.0f s on this machine (%s cores, Java %s);"
                + " raw results: [benchmarks/suite-results.json](benchmarks/suite-results.json)."
                + " Stack: %s; services `%s`; PostgreSQL `%s`; %s.\n\n",
            at.toString().substring(0, 16).replace('T', ' ') + " UTC",
            totalSeconds,
            stack.get("cores"),
            stack.get("java"),
            stack.get("postgres"),
            stack.get("serviceJvm"),
            stack.get("postgresSettings"),
            stack.get("kafka")));
    out.append("| scenario | figure | value | anchor | ratio | target | met |\n");
    out.append("|---|---|---|---|---|---|---|\n");
    for (ScenarioReport report : reports) {
      for (Figure figure : report.getFigures()) {
        out.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s %s | %s | %s | %s | %s |\n",
                report.getTitle(),
                figure.name(),
                number(figure.value()),
                figure.unit(),
                figure.anchor() == null ? "" : figure.anchor(),
                figure.ratio() == null ? "" : String.format(Locale.ROOT, "%.2f", figure.ratio()),
                figure.target() == null ? "" : figure.target(),
                figure.met() == null ? "" : (figure.met() ? "**met**" : "**not met**")));
      }
    }
    out.append(
        "\n**Published reference points** (quoted, not measured here): Flowable, a user's report,"
            + " 1,089 process instances/s with synchronous steps vs 72/s with persisted async jobs"
            + " on 8 CPUs; Spring Cloud Gateway ~4.5 ms added over direct at 200 connections; Kong"
            + " on 2 cores ~1 ms added.\n");
    out.append("\n**CPU per operation** (ms of CPU time from `/proc`, every process):\n\n");
    for (ScenarioReport report : reports) {
      for (CpuUse use : report.getCpu()) {
        out.append("- ")
            .append(report.getTitle())
            .append(", ")
            .append(use.phase())
            .append(", per ")
            .append(use.operation())
            .append(": ");
        StringBuilder processes = new StringBuilder();
        double total = 0;
        for (Map.Entry<String, Double> entry : use.millisPerOperation().entrySet()) {
          if (!processes.isEmpty()) {
            processes.append(", ");
          }
          processes.append(entry.getKey()).append(' ').append(number(entry.getValue()));
          total += entry.getValue();
        }
        out.append(processes).append(" (total ").append(number(total)).append(")\n");
      }
    }
    out.append("\n**Settings and notes per scenario:**\n\n");
    for (ScenarioReport report : reports) {
      out.append(
          String.format(
              Locale.ROOT, "- **%s** (%.0f s): ", report.getTitle(), report.getSeconds()));
      StringBuilder settings = new StringBuilder();
      report
          .getSettings()
          .forEach(
              (name, value) -> {
                if (!settings.isEmpty()) {
                  settings.append("; ");
                }
                settings.append(name).append(" ").append(value);
              });
      out.append(settings).append(".");
      for (String note : report.getNotes()) {
        out.append(" ").append(note);
      }
      out.append("\n");
    }
    out.append("\n").append(END);
    return out.toString();
  }

  private static String number(double value) {
    if (Math.abs(value) >= 100) {
      return String.format(Locale.ROOT, "%.0f", value);
    }
    if (Math.abs(value) >= 1) {
      return String.format(Locale.ROOT, "%.2f", value);
    }
    return String.format(Locale.ROOT, "%.3f", value);
  }
}
