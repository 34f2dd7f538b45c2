// CUDA probe for the real-GPU validation (issue 8). Exercises what CUDA does
// at start-up that a sandbox can break: driver initialisation, device
// enumeration, a kernel launch, pinned host memory, and a thread renaming
// another thread (CUDA's own workers write /proc/self/task/<tid>/comm).
// Prints one line: "PASS ..." or "FAIL <step> <cuda error number> <name>";
// PASS carries the milliseconds from main to the first answer of the driver
// (init_ms: cuInit and device enumeration) and to the end (total_ms).
#include <cuda_runtime.h>
#include <pthread.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <unistd.h>
#include <vector>

__global__ void vector_add(const float* a, const float* b, float* c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}

static int fail(const char* step, cudaError_t e) {
    std::printf("FAIL %s %d %s\n", step, static_cast<int>(e), cudaGetErrorName(e));
    return 1;
}

static void* idle(void*) {
    for (;;) pthread_testcancel(), usleep(1000);
    return nullptr;
}

// A second thread renames the first helper thread, as CUDA's workers do.
static int rename_other_thread() {
    pthread_t worker;
    if (pthread_create(&worker, nullptr, idle, nullptr) != 0) return EAGAIN;
    int rc = pthread_setname_np(worker, "osh-probe-w");
    pthread_cancel(worker);
    pthread_join(worker, nullptr);
    return rc;
}

static double ms_since(const timespec& t0) {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return double(t.tv_sec - t0.tv_sec) * 1e3 + double(t.tv_nsec - t0.tv_nsec) / 1e6;
}

int main() {
    timespec start{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    int rename_rc = rename_other_thread();
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) return fail("cudaGetDeviceCount", e);
    const double init_ms = ms_since(start);
    if (count < 1) {
        std::printf("FAIL cudaGetDeviceCount 0 no-devices\n");
        return 1;
    }
    cudaDeviceProp prop{};
    if ((e = cudaGetDeviceProperties(&prop, 0)) != cudaSuccess) return fail("cudaGetDeviceProperties", e);

    const int n = 1 << 20;
    float *ha = nullptr, *hb = nullptr, *hc = nullptr, *da = nullptr, *db = nullptr, *dc = nullptr;
    if ((e = cudaMallocHost(&ha, n * sizeof(float))) != cudaSuccess) return fail("cudaMallocHost", e);
    if ((e = cudaMallocHost(&hb, n * sizeof(float))) != cudaSuccess) return fail("cudaMallocHost", e);
    if ((e = cudaMallocHost(&hc, n * sizeof(float))) != cudaSuccess) return fail("cudaMallocHost", e);
    for (int i = 0; i < n; ++i) ha[i] = float(i), hb[i] = float(2 * i);
    if ((e = cudaMalloc(&da, n * sizeof(float))) != cudaSuccess) return fail("cudaMalloc", e);
    if ((e = cudaMalloc(&db, n * sizeof(float))) != cudaSuccess) return fail("cudaMalloc", e);
    if ((e = cudaMalloc(&dc, n * sizeof(float))) != cudaSuccess) return fail("cudaMalloc", e);
    if ((e = cudaMemcpy(da, ha, n * sizeof(float), cudaMemcpyHostToDevice)) != cudaSuccess) return fail("cudaMemcpy", e);
    if ((e = cudaMemcpy(db, hb, n * sizeof(float), cudaMemcpyHostToDevice)) != cudaSuccess) return fail("cudaMemcpy", e);
    vector_add<<<(n + 255) / 256, 256>>>(da, db, dc, n);
    if ((e = cudaGetLastError()) != cudaSuccess) return fail("launch", e);
    if ((e = cudaDeviceSynchronize()) != cudaSuccess) return fail("cudaDeviceSynchronize", e);
    if ((e = cudaMemcpy(hc, dc, n * sizeof(float), cudaMemcpyDeviceToHost)) != cudaSuccess) return fail("cudaMemcpy", e);
    for (int i = 0; i < n; ++i) {
        if (hc[i] != float(3 * i)) {
            std::printf("FAIL check index %d got %f\n", i, hc[i]);
            return 1;
        }
    }
    cudaFree(da), cudaFree(db), cudaFree(dc), cudaFreeHost(ha), cudaFreeHost(hb), cudaFreeHost(hc);
    if (rename_rc != 0) {
        std::printf("FAIL rename-other-thread %d %s\n", rename_rc, std::strerror(rename_rc));
        return 1;
    }
    std::printf("PASS devices=%d name=\"%s\" cc=%d.%d init_ms=%.1f total_ms=%.1f\n", count, prop.name,
                prop.major, prop.minor, init_ms, ms_since(start));
    return 0;
}
