package dev.agentplane.kit.sealing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The re-sealing loop: batch after batch, store after store, until done, failed or stopped. */
class BackgroundResealingTest {

  /**
   * A store of {@code rows} rows on the old key, one value each, some of which do not open; its
   * position is the number of rows looked at.
   */
  private static final class Rows implements Resealable<Integer> {
    private final int rows;
    private final int unopenableEvery;
    private final List<Integer> batchesStartedAt = new ArrayList<>();
    private Consumer<Integer> onBatch = from -> {};
    private int resealed;

    Rows(int rows, int unopenableEvery) {
      this.rows = rows;
      this.unopenableEvery = unopenableEvery;
    }

    @Override
    public String description() {
      return "test values";
    }

    @Override
    public Integer start() {
      return 0;
    }

    @Override
    public ResealBatch<Integer> resealBatch(Integer from, int size) {
      batchesStartedAt.add(from);
      onBatch.accept(from);
      int to = Math.min(rows, from + size);
      int unopenable = 0;
      for (int row = from; row < to; row++) {
        if (unopenableEvery > 0 && row % unopenableEvery == 0) {
          unopenable++;
        } else {
          resealed++;
        }
      }
      return new ResealBatch<>(to - from - unopenable, unopenable, to - from < size ? null : to);
    }

    @Override
    public Map<String, Long> countByKey() {
      return Map.of("old", (long) rows - resealed, "new", (long) resealed);
    }
  }

  @Test
  void everyStoreIsTakenBatchByBatchToItsEndAndTheValuesResealedAreCounted() {
    Rows first = new Rows(5, 0);
    Rows second = new Rows(4, 3);

    int resealed = new BackgroundResealing("test-reseal", 2, List.of(first, second)).resealAll();

    assertThat(first.batchesStartedAt).containsExactly(0, 2, 4);
    // A full last batch is followed by an empty one that ends the pass.
    assertThat(second.batchesStartedAt).containsExactly(0, 2, 4);
    assertThat(resealed).as("5 + 4 less the 2 that do not open").isEqualTo(7);
  }

  @Test
  void aFailingStoreIsLeftForTheNextStartAndTheOthersStillRun() {
    Rows failing = new Rows(6, 0);
    failing.onBatch =
        from -> {
          if (from == 2) {
            throw new IllegalStateException("connection lost");
          }
        };
    Rows next = new Rows(3, 0);

    int resealed = new BackgroundResealing("test-reseal", 2, List.of(failing, next)).resealAll();

    assertThat(failing.batchesStartedAt).containsExactly(0, 2);
    assertThat(next.batchesStartedAt).containsExactly(0, 2);
    assertThat(resealed).as("the failing store's committed batch and the next store").isEqualTo(5);
  }

  @Test
  void stoppingEndsThePassAfterTheBatchInFlight() throws InterruptedException {
    Rows store = new Rows(10, 0);
    Rows after = new Rows(3, 0);
    BackgroundResealing resealing =
        new BackgroundResealing("test-reseal", 2, List.of(store, after));
    store.onBatch =
        from -> {
          if (from == 2) {
            try {
              resealing.stop();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };

    assertThat(resealing.resealAll()).isEqualTo(4);
    assertThat(store.batchesStartedAt).containsExactly(0, 2);
    assertThat(after.batchesStartedAt).isEmpty();
  }
}
