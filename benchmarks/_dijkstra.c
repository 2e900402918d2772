/* Plain single-thread Dijkstra in C: the "practical limit" for benchmarks/bench_acc_metrics.py.
 *
 * Compiled at benchmark run time (gcc -O2) into benchmarks/_work/; never committed as a binary.
 * Input files (little-endian, written by the benchmark): indptr (int64, n+1), indices (int64, m),
 * weights (float64, m), sources (int64, k), demand (float64, n: population per node),
 * capacity (float64, k). Usage: dijkstra DIR n m k limit repeats
 * Prints "T2 seconds", "T3 seconds", "T4 seconds" (process CPU time, best of `repeats`) and checksums.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { double key; int64_t node; } item;
static item *heap;
static int64_t hsize;

static void push(double key, int64_t node) {
    int64_t i = hsize++;
    while (i > 0) {
        int64_t p = (i - 1) >> 1;
        if (heap[p].key <= key) break;
        heap[i] = heap[p];
        i = p;
    }
    heap[i].key = key;
    heap[i].node = node;
}

static item pop(void) {
    item top = heap[0];
    item last = heap[--hsize];
    int64_t i = 0;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= hsize) break;
        if (c + 1 < hsize && heap[c + 1].key < heap[c].key) c++;
        if (last.key <= heap[c].key) break;
        heap[i] = heap[c];
        i = c;
    }
    heap[i] = last;
    return top;
}

static void *slurp(const char *dir, const char *name, size_t bytes) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    void *buf = malloc(bytes ? bytes : 1);
    if (bytes && fread(buf, 1, bytes, f) != bytes) { fprintf(stderr, "short read %s\n", path); exit(1); }
    fclose(f);
    return buf;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);  /* CPU time: the machine may be shared */
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 7) { fprintf(stderr, "usage: %s DIR n m k limit repeats\n", argv[0]); return 2; }
    const char *dir = argv[1];
    int64_t n = atoll(argv[2]), m = atoll(argv[3]), k = atoll(argv[4]);
    double limit = atof(argv[5]);
    int repeats = atoi(argv[6]);
    int64_t *indptr = slurp(dir, "indptr.bin", (n + 1) * 8);
    int64_t *indices = slurp(dir, "indices.bin", m * 8);
    double *w = slurp(dir, "weights.bin", m * 8);
    int64_t *src = slurp(dir, "sources.bin", k * 8);
    double *popn = slurp(dir, "demand.bin", n * 8);
    double *cap = slurp(dir, "capacity.bin", k * 8);
    double *dist = malloc(n * 8);
    int64_t *label = malloc(n * 8);
    char *done = calloc(n, 1);
    int64_t *touched = malloc(n * 8);
    int64_t *count = calloc(n, 8);
    double *ratio = malloc(k * 8);
    double *access = calloc(n, 8);
    heap = malloc((m + k + 1) * sizeof(item));
    double best2 = 1e30, best3 = 1e30, best4 = 1e30, sum2 = 0, sum3 = 0, sum4 = 0;
    for (int rep = 0; rep < repeats; rep++) {
        /* T2: one multi-source search, nearest source for every node */
        double t0 = now();
        for (int64_t i = 0; i < n; i++) { dist[i] = INFINITY; label[i] = -1; done[i] = 0; }
        hsize = 0;
        for (int64_t s = 0; s < k; s++) { dist[src[s]] = 0; label[src[s]] = s; push(0, src[s]); }
        while (hsize) {
            item it = pop();
            int64_t u = it.node;
            if (done[u]) continue;
            done[u] = 1;
            for (int64_t j = indptr[u]; j < indptr[u + 1]; j++) {
                int64_t v = indices[j];
                double nd = it.key + w[j];
                if (nd < dist[v]) { dist[v] = nd; label[v] = label[u]; push(nd, v); }
            }
        }
        double t2 = now() - t0;
        sum2 = 0;
        for (int64_t i = 0; i < n; i++) if (isfinite(dist[i])) sum2 += dist[i];
        if (t2 < best2) best2 = t2;
        /* T3: bounded search from every source, count sources within `limit` of every node */
        t0 = now();
        for (int64_t i = 0; i < n; i++) { dist[i] = INFINITY; done[i] = 0; count[i] = 0; }
        for (int64_t s = 0; s < k; s++) {
            int64_t nt = 0;
            hsize = 0;
            dist[src[s]] = 0; touched[nt++] = src[s]; push(0, src[s]);
            while (hsize) {
                item it = pop();
                int64_t u = it.node;
                if (done[u]) continue;
                done[u] = 1;
                count[u]++;
                for (int64_t j = indptr[u]; j < indptr[u + 1]; j++) {
                    int64_t v = indices[j];
                    double nd = it.key + w[j];
                    if (nd <= limit && nd < dist[v]) {
                        if (isinf(dist[v])) touched[nt++] = v;
                        dist[v] = nd; push(nd, v);
                    }
                }
            }
            for (int64_t i = 0; i < nt; i++) { dist[touched[i]] = INFINITY; done[touched[i]] = 0; }
        }
        double t3 = now() - t0;
        sum3 = 0;
        for (int64_t i = 0; i < n; i++) sum3 += count[i];
        if (t3 < best3) best3 = t3;
        /* T4: 2SFCA with the same bounded searches (two passes: ratios, then access) */
        t0 = now();
        for (int64_t i = 0; i < n; i++) { dist[i] = INFINITY; done[i] = 0; access[i] = 0; }
        for (int pass = 0; pass < 2; pass++) {
            for (int64_t s = 0; s < k; s++) {
                int64_t nt = 0;
                double dem = 0;
                hsize = 0;
                dist[src[s]] = 0; touched[nt++] = src[s]; push(0, src[s]);
                while (hsize) {
                    item it = pop();
                    int64_t u = it.node;
                    if (done[u]) continue;
                    done[u] = 1;
                    if (pass == 0) dem += popn[u]; else access[u] += ratio[s];
                    for (int64_t j = indptr[u]; j < indptr[u + 1]; j++) {
                        int64_t v = indices[j];
                        double nd = it.key + w[j];
                        if (nd <= limit && nd < dist[v]) {
                            if (isinf(dist[v])) touched[nt++] = v;
                            dist[v] = nd; push(nd, v);
                        }
                    }
                }
                if (pass == 0) ratio[s] = dem > 0 ? cap[s] / dem : NAN;
                for (int64_t i = 0; i < nt; i++) { dist[touched[i]] = INFINITY; done[touched[i]] = 0; }
            }
        }
        double t4 = now() - t0;
        sum4 = 0;
        for (int64_t i = 0; i < n; i++) if (isfinite(access[i])) sum4 += access[i] * popn[i];
        if (t4 < best4) best4 = t4;
    }
    printf("T2 %.6f %.6f\nT3 %.6f %.0f\nT4 %.6f %.6f\n", best2, sum2, best3, sum3, best4, sum4);
    return 0;
}
