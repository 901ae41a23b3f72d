using System.Buffers.Binary;
using System.Diagnostics;
using ClipNet.Checkpoints;
using ClipNet.SafeTensors;
using ClipNet.Tests.Checkpoints;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Hostile;

/// <summary>
/// Seeded mutation fuzzing of the two parsers that read untrusted bytes first: the safetensors header and the
/// pickle of a PyTorch checkpoint. Each mutant must either load or fail with <see cref="ClipNetException"/>;
/// any other exception escaping is a bug. Every mutant must also stay within a time and allocation bound
/// (its input is a few KB), and the whole run within CI time; a failure prints the seed and iteration to replay.
/// </summary>
public class HeaderAndPickleFuzzTests : IDisposable
{
    const int Iterations = 3000;
    const long AllocationBoundPerCase = 64L << 20;
    static readonly TimeSpan CaseBound = TimeSpan.FromSeconds(2), RunBound = TimeSpan.FromMinutes(3);

    readonly TempFolder temp = new();
    public void Dispose() => temp.Dispose();

    [Fact]
    public void SafeTensorsHeaderMutantsLoadOrFailCleanly()
    {
        string seedFile = temp.File("seed.safetensors");
        using (var scope = NewDisposeScope())
            SafeTensorsWriter.Write(seedFile, new Dictionary<string, Tensor>
            {
                ["visual.proj"] = torch.ones(4, 3),
                ["ids"] = torch.zeros(5, ScalarType.Int64),
                ["half"] = torch.ones(3, ScalarType.Float16),
                ["empty"] = torch.zeros(0, 2),
            }, new Dictionary<string, string> { ["format"] = "pt" });
        var original = File.ReadAllBytes(seedFile);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(original);

        Fuzz(seed: 13, original, random => MutateMostlyWithin(random, original, 0, headerEnd), (path, _) =>
        {
            using var file = SafeTensorsFile.Open(path);
            foreach (var name in file.Tensors.Keys)
            {
                using var tensor = file.Load(name);
                using var sum = tensor.to_type(ScalarType.Float64).sum();
            }
        }, ".safetensors");
    }

    [Fact]
    public void PickleMutantsLoadOrFailCleanly()
    {
        var pickle = new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce().BinPut(0)
            .Mark()
            .ShortUnicode("visual.proj").Tensor("FloatStorage", "0", 12, 0, [4, 3], [3, 1])
            .ShortUnicode("logit_scale").Tensor("FloatStorage", "1", 1, 0, [], [])
            .ShortUnicode("view").Tensor("FloatStorage", "0", 12, 3, [3], [3])
            .SetItems()
            .EmptyDict().ShortUnicode("_metadata").EmptyDict().ShortUnicode("").EmptyDict().ShortUnicode("version").Int(1).SetItem().SetItem().SetItem().Build()
            .Stop().ToArray();
        var storages = new (string, byte[])[] { ("archive/data/0", new byte[48]), ("archive/data/1", new byte[4]) };
        // The seed itself loads: the fuzzer starts from a valid checkpoint.
        string seedPath = temp.File("seed.pt");
        TestArchives.WriteAligned(seedPath, [("archive/data.pkl", pickle), .. storages]);
        using (var stateDict = StateDictReader.Read(seedPath)) Assert.Equal(3, stateDict.Count);

        Fuzz(seed: 29, pickle, random => MutateMostlyWithin(random, pickle, 0, pickle.Length), (path, mutant) =>
        {
            TestArchives.WriteAligned(path, [("archive/data.pkl", mutant), .. storages]);
            using var stateDict = StateDictReader.Read(path);
            foreach (var (_, tensor) in stateDict)
            {
                using var sum = tensor.to_type(ScalarType.Float64).sum();
            }
        }, ".pt");
    }

    /// <summary>Runs <paramref name="load"/> on <see cref="Iterations"/> mutants; only ClipNetException may come out.</summary>
    void Fuzz(int seed, byte[] original, Func<Random, byte[]> mutate, Action<string, byte[]> load, string extension)
    {
        var random = new Random(seed);
        var total = Stopwatch.StartNew();
        int refused = 0;
        string path = temp.File("mutant" + extension);
        for (int i = 0; i < Iterations; i++)
        {
            var mutant = mutate(random);
            if (extension == ".safetensors") File.WriteAllBytes(path, mutant);
            string replay = $"seed {seed}, iteration {i}, mutant {Convert.ToHexString(mutant.AsSpan(0, Math.Min(mutant.Length, 400)))}";
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            var attempt = Task.Run(() =>
            {
                try
                {
                    load(path, mutant);
                    return null;
                }
                catch (ClipNetException)
                {
                    return "refused";
                }
                catch (Exception e)
                {
                    return $"{e.GetType().Name}: {e.Message}";
                }
            });
            Assert.True(attempt.Wait(CaseBound), $"a mutant took longer than {CaseBound.TotalSeconds} s ({replay})");
            string? outcome = attempt.Result;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            Assert.True(outcome is null or "refused", $"{outcome} escaped ({replay})");
            Assert.True(allocated < AllocationBoundPerCase, $"a {mutant.Length}-byte mutant allocated {allocated >> 20} MiB ({replay})");
            if (outcome is "refused") refused++;
        }
        Assert.True(total.Elapsed < RunBound, $"{Iterations} mutants took {total.Elapsed.TotalSeconds:F0} s");
        // A fuzzer whose mutants all load (or all fail on the first byte) tests nothing.
        Assert.InRange(refused, Iterations / 10, Iterations - Iterations / 100);
    }

    /// <summary>One to four edits, nine in ten of them inside [<paramref name="from"/>, <paramref name="to"/>).</summary>
    static byte[] MutateMostlyWithin(Random random, byte[] original, int from, int to)
    {
        var bytes = new List<byte>(original);
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits; e++)
        {
            int limit = Math.Min(to, bytes.Count);
            int at = random.Next(10) < 9 && limit > from ? random.Next(from, limit) : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = (byte)random.Next(256); break;
                case 2: bytes[at] = Interesting[random.Next(Interesting.Length)]; break;
                case 3: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                case 4: bytes.RemoveAt(at); break;
                case 5:
                {
                    int length = Math.Min(random.Next(1, 16), bytes.Count - at);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                }
                case 6: bytes[at] = (byte)(bytes[at] + random.Next(-2, 3)); break;
            }
            if (bytes.Count == 0) bytes.Add(0);
        }
        return [.. bytes];
    }

    // Bytes that matter to JSON and to pickle: digits, quotes, brackets, signs, and the opcodes that build and call.
    static readonly byte[] Interesting = "0123456789\"{}[],:-.eE N()tdlsuRbhqQcXJKM"u8.ToArray().Concat(new byte[] { 0x00, 0xFF, 0x80, 0x8a, 0x8c, 0x85, 0x86, 0x94, 0x7F }).ToArray();
}
