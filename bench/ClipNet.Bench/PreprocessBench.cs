using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ClipNet.Vision;
using SkiaSharp;

namespace ClipNet.Bench;

/// <summary>
/// Preprocessing on one core (issue 15, item 5): 640×480 JPEG to a normalised 224×224 CHW float32 tensor, split into
/// decoding and the rest (resize, centre crop, RGB, normalise), and Pillow 9.4 + NumPy on the same files in the same
/// run when Debian's python3-pil and python3-numpy are installed (pillow_preprocess.py). Times are the thread's CPU
/// time, on both sides. The JPEGs are photos-demo's
/// 16 photos scaled to 640×480 and encoded by Skia at quality 90: ../shared/data holds no JPEGs of that size.
/// </summary>
static class PreprocessBench
{
    const int Size = 224, Repeats = 9;
    /// <summary>Pillow + NumPy's rate on this machine when issue 15 was filed, quoted when Pillow cannot be run.</summary>
    const double QuotedPillowImagesPerSecond = 85;

    public static List<(string What, string Result)> Run(string shared)
    {
        var rows = new List<(string, string)>();
        string folder = Directory.CreateTempSubdirectory("clipnet-bench-jpegs-").FullName;
        try
        {
            var files = WriteJpegs(Path.Combine(shared, "data", "photos-demo", "images"), folder);
            var encoded = files.Select(File.ReadAllBytes).ToArray();
            var decoded = encoded.Select((bytes, i) => ImageDecoder.Decode(bytes, files[i])).ToArray();
            var preprocessor = new ImagePreprocessor(Size);
            var output = new float[3 * Size * Size];

            double decode = PerImage(i => ImageDecoder.Decode(encoded[i], files[i], reuseThreadBuffer: true), files.Length);
            double rest = PerImage(i => preprocessor.PreprocessInto(decoded[i], output), files.Length);
            double whole = PerImage(i => preprocessor.PreprocessInto(ImageDecoder.Decode(encoded[i], files[i], reuseThreadBuffer: true), output), files.Length);
            string set = $"{files.Length} photos-demo photos as 640×480 JPEGs (q90)";
            rows.Add(($"preprocess, one core (thread CPU time), {set}: decode only (Skia)", $"{1 / decode:F0} img/s ({decode * 1e3:F2} ms/img)"));
            rows.Add(("same: resize + centre crop + normalise to 224×224 CHW float32", $"{rest * 1e3:F2} ms/img (goal ≤ 1 ms)"));
            rows.Add(("same: whole preprocess, JPEG bytes to tensor data", $"{1 / whole:F0} img/s (goal ≥ 160; decoding alone would allow {1 / decode:F0})"));
            rows.Add(Pillow(folder, 1 / whole));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        return rows;
    }

    /// <summary>
    /// Median seconds of this thread's CPU time per image over <see cref="Repeats"/> passes through all images: what
    /// one core spends, which other processes on a busy machine do not inflate as they inflate wall time.
    /// </summary>
    static double PerImage(Action<int> preprocessOne, int count)
    {
        for (int i = 0; i < count; i++) preprocessOne(i);
        var times = new double[Repeats];
        for (int r = 0; r < Repeats; r++)
        {
            double start = ThreadCpuSeconds();
            for (int i = 0; i < count; i++) preprocessOne(i);
            times[r] = (ThreadCpuSeconds() - start) / count;
        }
        Array.Sort(times);
        return times[Repeats / 2];
    }

    static double ThreadCpuSeconds()
    {
        const int threadCpuTimeClock = 3;   // CLOCK_THREAD_CPUTIME_ID
        return ClockGetTime(threadCpuTimeClock, out var time) == 0 ? time.Seconds + time.Nanoseconds * 1e-9 : throw new InvalidOperationException("clock_gettime failed");
    }

    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Each PNG scaled to 640×480 and written as a quality-90 JPEG (Skia's encoder, 4:2:0).</summary>
    static string[] WriteJpegs(string pngFolder, string folder)
    {
        const int width = 640, height = 480;
        var files = new List<string>();
        foreach (string png in Directory.GetFiles(pngFolder, "*.png").Order())
        {
            var image = ImageDecoder.Decode(png);
            var rgb = PillowResize.Bicubic(RgbConversion.ToRgb(image), image.Width, image.Height, 3, width, height);
            var rgba = new byte[width * height * 4];
            for (int i = 0; i < width * height; i++)
            {
                rgba[4 * i] = rgb[3 * i]; rgba[4 * i + 1] = rgb[3 * i + 1]; rgba[4 * i + 2] = rgb[3 * i + 2]; rgba[4 * i + 3] = 255;
            }
            using var skia = SKImage.FromPixelCopy(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba);
            using var jpeg = skia.Encode(SKEncodedImageFormat.Jpeg, 90);
            string file = Path.Combine(folder, Path.ChangeExtension(Path.GetFileName(png), ".jpg"));
            File.WriteAllBytes(file, jpeg.ToArray());
            files.Add(file);
        }
        return [.. files];
    }

    /// <summary>Pillow + NumPy on the same files, or the rate quoted in the issue where they are not installed.</summary>
    static (string, string) Pillow(string folder, double oursImagesPerSecond)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "pillow_preprocess.py");
        const string python = "/usr/bin/python3";
        string? failure = null;
        if (File.Exists(python))
        {
            var start = new ProcessStartInfo(python, [script, folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var ms = stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            if (process.ExitCode == 0 && ms.Length == 3)
                return ("same files, Pillow 9.4 + NumPy, one core: decode / resize + crop + normalise / whole",
                    $"{ms[0]:F2} ms / {ms[1]:F2} ms / {1e3 / ms[2]:F0} img/s (ClipNet's whole preprocess: {oursImagesPerSecond * ms[2] / 1e3:F2}× Pillow's rate)");
            failure = stderr.Trim().Split('\n').LastOrDefault();
        }
        return ($"Pillow + NumPy, quoted from issue 15 (not run here: {failure ?? "no /usr/bin/python3"}; apt-get install python3-pil python3-numpy)",
            $"{QuotedPillowImagesPerSecond:F0} img/s (ClipNet's whole preprocess: {oursImagesPerSecond / QuotedPillowImagesPerSecond:F2}×)");
    }
}
