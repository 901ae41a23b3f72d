using ClipNet.Search;
using Xunit;

namespace ClipNet.Tests.Search;

/// <summary>Exact top-k equals a full sort of brute-force dot products, ties by lower row, at both precisions.</summary>
public class VectorMatrixTests
{
    static float[] UnitRows(int rows, int dimension, int seed)
    {
        var random = new Random(seed);
        var data = new float[rows * dimension];
        for (int r = 0; r < rows; r++)
        {
            var row = data.AsSpan(r * dimension, dimension);
            for (int i = 0; i < dimension; i++) row[i] = (float)(random.NextDouble() * 2 - 1);
            float norm = MathF.Sqrt(row.ToArray().Sum(v => v * v));
            for (int i = 0; i < dimension; i++) row[i] /= norm;
        }
        return data;
    }

    static double[] BruteForce(float[] rows, int dimension, float[] query) =>
        [.. Enumerable.Range(0, rows.Length / dimension).Select(r => Enumerable.Range(0, dimension).Sum(i => (double)rows[r * dimension + i] * query[i]))];

    [Theory]
    [InlineData(VectorPrecision.Float32)]
    [InlineData(VectorPrecision.Float16)]
    public void TopKMatchesAFullSortWithStableTies(VectorPrecision precision)
    {
        const int dimension = 48;
        var rows = UnitRows(3000, dimension, seed: 1);
        // Rows 10, 700 and 2999 repeat row 5: equal scores, which must come out in row order.
        foreach (int copy in new[] { 10, 700, 2999 }) rows.AsSpan(5 * dimension, dimension).CopyTo(rows.AsSpan(copy * dimension));
        var stored = precision == VectorPrecision.Float16 ? rows.Select(v => (float)(Half)v).ToArray() : rows;
        var matrix = VectorMatrix.FromRows(rows, dimension, precision);
        var query = rows.AsSpan(5 * dimension, dimension).ToArray();

        var scores = matrix.Scores(query);
        var exact = BruteForce(stored, dimension, query);
        for (int r = 0; r < exact.Length; r++) Assert.True(Math.Abs(exact[r] - scores[r]) < 1e-5, $"row {r}: {scores[r]} vs {exact[r]}");

        var expected = Enumerable.Range(0, scores.Length).OrderByDescending(r => scores[r]).ThenBy(r => r).Take(25).ToList();
        var top = VectorMatrix.TopK(scores, 25);
        Assert.Equal(expected, top.Select(t => t.Row));
        Assert.Equal([5, 10, 700, 2999], top.Take(4).Select(t => t.Row));

        var filtered = VectorMatrix.TopK(scores, 10, row => row % 2 == 1, minScore: 0.1f);
        Assert.Equal(Enumerable.Range(0, scores.Length).Where(r => r % 2 == 1 && scores[r] >= 0.1f).OrderByDescending(r => scores[r]).ThenBy(r => r).Take(10),
            filtered.Select(t => t.Row));
        Assert.Empty(VectorMatrix.TopK(scores, 10, minScore: 1.5f));
    }

    [Fact]
    public void Float16ScoresWidenEveryFiniteHalfExactly()
    {
        // Every finite float16 value (subnormals, zeros and the largest included), 64 per row; querying with
        // each basis vector reads each stored value back through the in-register widening.
        const int dimension = 64;
        var values = Enumerable.Range(0, 1 << 16).Select(b => BitConverter.UInt16BitsToHalf((ushort)b))
            .Where(Half.IsFinite).Select(h => (float)h).ToList();
        while (values.Count % dimension != 0) values.Add(0f);
        var matrix = VectorMatrix.FromRows(values.ToArray(), dimension, VectorPrecision.Float16);
        for (int column = 0; column < dimension; column++)
        {
            var basis = new float[dimension];
            basis[column] = 1f;
            var scores = matrix.Scores(basis);
            for (int r = 0; r < matrix.Rows; r++)
                Assert.True(scores[r] == values[r * dimension + column], $"row {r}, column {column}: {scores[r]} instead of {values[r * dimension + column]}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(512)]
    [InlineData(1000)]
    public void Float16ScoresMatchWidenedDotProductsAtAnyDimension(int dimension)
    {
        var rows = UnitRows(70, dimension, seed: dimension);
        var stored = rows.Select(v => (float)(Half)v).ToArray();
        var query = UnitRows(1, dimension, seed: dimension + 1);
        var scores = VectorMatrix.FromRows(rows, dimension, VectorPrecision.Float16).Scores(query);
        var exact = BruteForce(stored, dimension, query);
        for (int r = 0; r < exact.Length; r++) Assert.True(Math.Abs(exact[r] - scores[r]) < 1e-5, $"row {r}: {scores[r]} vs {exact[r]}");
    }

    [Fact]
    public void AQueryOfTheWrongDimensionIsAClearError()
    {
        var matrix = VectorMatrix.FromRows(UnitRows(4, 8, seed: 2), 8, VectorPrecision.Float32);
        Assert.Contains("dimension 5", Assert.Throws<ClipNetException>(() => matrix.Scores(new float[5])).Message);
    }
}
