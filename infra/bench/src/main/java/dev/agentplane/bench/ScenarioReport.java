package dev.agentplane.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scenario measured: its figures (each with its anchor and target where the issue names
 * one), the CPU each process spent per operation, its settings and notes. Serialized as is into the
 * raw JSON results, and rendered into {@code docs/benchmarks.md}.
 */
public final class ScenarioReport {

  /**
   * One measured figure.
   *
   * @param anchor what it is compared with, e.g. {@code raw inserts/s, 1 connection}; null if none
   * @param ratio the figure divided by its anchor; null if none
   * @param target the target in words; null if none
   * @param met whether the target is met; null if there is no target
   */
  public record Figure(
      String name,
      double value,
      String unit,
      String anchor,
      Double ratio,
      String target,
      Boolean met) {}

  /** CPU milliseconds each process spent per {@code operation} during {@code phase}. */
  public record CpuUse(String phase, String operation, Map<String, Double> millisPerOperation) {}

  private final String id;
  private final String title;
  private final List<Figure> figures = new ArrayList<>();
  private final List<CpuUse> cpu = new ArrayList<>();
  private final Map<String, Object> settings = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private double seconds;

  public ScenarioReport(String id, String title) {
    this.id = id;
    this.title = title;
  }

  public ScenarioReport figure(String name, double value, String unit) {
    return add(new Figure(name, value, unit, null, null, null, null));
  }

  public ScenarioReport add(Figure figure) {
    figures.add(figure);
    System.out.printf(
        "  %-58s %12.2f %-8s%s%s%n",
        figure.name(),
        figure.value(),
        figure.unit(),
        figure.ratio() == null
            ? ""
            : String.format("  = %.2f × %s", figure.ratio(), figure.anchor()),
        figure.met() == null
            ? ""
            : "  target " + figure.target() + ": " + (figure.met() ? "met" : "NOT met"));
    return this;
  }

  public ScenarioReport cpu(String phase, String operation, Map<String, Double> perOperation) {
    cpu.add(new CpuUse(phase, operation, perOperation));
    StringBuilder line = new StringBuilder("  CPU ms per " + operation + " (" + phase + "):");
    perOperation.forEach((process, ms) -> line.append(String.format(" %s %.3f;", process, ms)));
    System.out.println(line);
    return this;
  }

  public ScenarioReport setting(String name, Object value) {
    settings.put(name, value);
    return this;
  }

  public ScenarioReport note(String note) {
    notes.add(note);
    System.out.println("  note: " + note);
    return this;
  }

  void tookSeconds(double seconds) {
    this.seconds = seconds;
  }

  public String getId() {
    return id;
  }

  public String getTitle() {
    return title;
  }

  public List<Figure> getFigures() {
    return figures;
  }

  public List<CpuUse> getCpu() {
    return cpu;
  }

  public Map<String, Object> getSettings() {
    return settings;
  }

  public List<String> getNotes() {
    return notes;
  }

  public double getSeconds() {
    return seconds;
  }
}
