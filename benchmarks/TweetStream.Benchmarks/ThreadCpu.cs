using System.Runtime.InteropServices;

namespace TweetStream.Benchmarks;

/// <summary>The calling thread's CPU time, so a stage's cost does not include the time other processes held the core.</summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Nanoseconds of CPU this thread has used (Linux); falls back to the process's CPU time elsewhere.</summary>
    public static long Nanoseconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0)
        {
            return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
        }

        return (long)System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalNanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int ClockGetTime(int clockId, out TimeSpec value);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
