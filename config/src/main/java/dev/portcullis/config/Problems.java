package dev.portcullis.config;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem found in one configuration, so a user fixes them all in one round. */
final class Problems {
    private final List<String> problems = new ArrayList<>();

    void add(String path, String message) {
        problems.add(path.isEmpty() ? message : path + ": " + message);
    }

    /** A position to compare against later: {@code problems.since(mark)} says whether anything went wrong since. */
    int mark() {
        return problems.size();
    }

    boolean since(int mark) {
        return problems.size() > mark;
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    List<String> list() {
        return List.copyOf(problems);
    }
}
