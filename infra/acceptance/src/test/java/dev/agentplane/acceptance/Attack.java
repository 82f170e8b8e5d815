package dev.agentplane.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.DynamicTest;

/**
 * One row of the attack table: what an attacker sends through the gateway and how the platform must
 * answer it (status, problem slug, the fields it names), plus what must stay unchanged. Every row,
 * when run, also hands the answer to the suite's leak check together with what the attacker sent,
 * since echoing the attacker's own input back to it discloses nothing.
 */
final class Attack {

  /** The one check every row's answer goes through: nothing of the victim may appear in it. */
  @FunctionalInterface
  interface LeakCheck {
    void assertNoLeak(String rowName, String sent, Reply reply);
  }

  private final String name;
  private final ServiceApi gateway;
  private String token;
  private Supplier<Reply> request;
  private String sent = "";
  private int status;
  private String slug;
  private final List<String> pointers = new ArrayList<>();
  private final List<String> codes = new ArrayList<>();
  private final List<String> hidden = new ArrayList<>();
  private boolean challenge;
  private Consumer<Reply> unchanged = reply -> {};

  private Attack(String name, ServiceApi gateway) {
    this.name = name;
    this.gateway = gateway;
  }

  /** A row named as the report shows it, e.g. "another tenant's run → 404". */
  static Attack named(String name, ServiceApi gateway) {
    return new Attack(name, gateway);
  }

  Attack as(String bearer) {
    this.token = bearer;
    return this;
  }

  Attack get(String path) {
    return send("GET", path, null, Map.of());
  }

  Attack post(String path, String body) {
    return send("POST", path, body, Map.of());
  }

  Attack put(String path, String body) {
    return send("PUT", path, body, Map.of());
  }

  Attack patch(String path, String body) {
    return send("PATCH", path, body, Map.of());
  }

  Attack delete(String path) {
    return send("DELETE", path, null, Map.of());
  }

  Attack send(String method, String path, String body, Map<String, String> headers) {
    Map<String, String> copied = new LinkedHashMap<>(headers);
    this.sent = method + " " + path + "\n" + copied + "\n" + (body == null ? "" : body);
    this.request = () -> gateway.send(method, path, token, body, copied);
    return this;
  }

  /**
   * A request the row makes itself (signed at the moment it is sent, or preceded by a step that
   * sets it up); {@code sent} is what of it the attacker chose.
   */
  Attack by(String sentText, Supplier<Reply> custom) {
    this.sent = sentText;
    this.request = custom;
    return this;
  }

  /** The answer: this status, and this problem slug unless null. */
  Attack refused(int expectedStatus, String expectedSlug) {
    this.status = expectedStatus;
    this.slug = expectedSlug;
    return this;
  }

  /** A 200 whose content the leak check judges (a listing must not show the victim's items). */
  Attack answered() {
    return refused(200, null);
  }

  /** The problem's {@code errors[].pointer}s include these. */
  Attack naming(String... expectedPointers) {
    pointers.addAll(List.of(expectedPointers));
    return this;
  }

  /** The problem's {@code errors[].code}s include these. */
  Attack withCodes(String... expectedCodes) {
    codes.addAll(List.of(expectedCodes));
    return this;
  }

  /** The answer must not contain these (beyond the victim's data, which no answer may). */
  Attack hiding(String... texts) {
    hidden.addAll(List.of(texts));
    return this;
  }

  /** A 401 must carry a bearer challenge. */
  Attack challenged() {
    this.challenge = true;
    return this;
  }

  /** What must hold after the refusal: nothing was written, the victim's object is as it was. */
  Attack unchanged(Consumer<Reply> check) {
    this.unchanged = check;
    return this;
  }

  DynamicTest toTest(LeakCheck leaks) {
    if (request == null || status == 0) {
      throw new IllegalStateException("Row '" + name + "' has no request or no expectation");
    }
    return DynamicTest.dynamicTest(name, () -> run(leaks));
  }

  private void run(LeakCheck leaks) {
    Reply reply = request.get();
    String answer = name + ": " + reply.raw();
    assertThat(reply.status()).as(answer).isEqualTo(status);
    if (slug != null) {
      assertThat(reply.problemSlug()).as(answer).isEqualTo(slug);
    }
    if (!pointers.isEmpty()) {
      assertThat(reply.errorPointers()).as(answer).containsAll(pointers);
    }
    if (!codes.isEmpty()) {
      assertThat(reply.errorCodes()).as(answer).containsAll(codes);
    }
    if (challenge) {
      assertThat(reply.header("WWW-Authenticate"))
          .as("WWW-Authenticate of " + answer)
          .hasValueSatisfying(value -> assertThat(value).startsWith("Bearer"));
    }
    for (String text : hidden) {
      assertThat(reply.raw()).as(name).doesNotContain(text);
    }
    leaks.assertNoLeak(name, sent, reply);
    unchanged.accept(reply);
  }
}
