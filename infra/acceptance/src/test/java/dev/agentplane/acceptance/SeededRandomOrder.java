package dev.agentplane.acceptance;

import java.util.Collections;
import java.util.Comparator;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.MethodOrdererContext;

/**
 * Shuffles test classes and the methods of each class with one seed per test JVM, printed so that
 * an order that fails can be replayed: {@code -Dacceptance.order.seed=<seed>}. The suite must pass
 * in any order; this makes every run try another one. (JUnit's own random orderers log their seed
 * only at the {@code CONFIG} level, which no one sees in a CI log.)
 */
public final class SeededRandomOrder implements ClassOrderer, MethodOrderer {

  static final String SEED_PROPERTY = "acceptance.order.seed";

  private static final long SEED = chooseSeed();

  private static long chooseSeed() {
    String given = System.getProperty(SEED_PROPERTY);
    long seed =
        given == null || given.isBlank()
            ? new java.util.Random().nextLong()
            : Long.parseLong(given);
    System.out.println(
        "Acceptance order: seed "
            + seed
            + " (replay this order with -D"
            + SEED_PROPERTY
            + "="
            + seed
            + ")");
    return seed;
  }

  @Override
  public void orderClasses(ClassOrdererContext context) {
    context.getClassDescriptors().sort(Comparator.comparing(d -> d.getTestClass().getName()));
    Collections.shuffle(context.getClassDescriptors(), new java.util.Random(SEED));
  }

  @Override
  public void orderMethods(MethodOrdererContext context) {
    context.getMethodDescriptors().sort(Comparator.comparing(d -> d.getMethod().toGenericString()));
    // Each class shuffles with its own stream of the seed, so one class's order does not depend
    // on how many methods another has.
    Collections.shuffle(
        context.getMethodDescriptors(),
        new java.util.Random(SEED ^ context.getTestClass().getName().hashCode()));
  }
}
