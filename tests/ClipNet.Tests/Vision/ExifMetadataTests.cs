using System.Buffers.Binary;
using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Vision;

/// <summary>The EXIF block's capture date and orientation, read from JPEG APP1, PNG eXIf and WebP EXIF; damage never throws.</summary>
public class ExifMetadataTests
{
    static readonly string Jpeg = SharedFixtures.Fixture("preprocess", "images", "rgb_640x480.jpg");

    /// <summary>A big-endian TIFF block: IFD0 with Orientation and the Exif IFD pointer; the Exif IFD with DateTimeOriginal.</summary>
    public static byte[] TiffBlock(ushort orientation, string dateTimeOriginal)
    {
        var tiff = new byte[56 + 20];
        "MM\0*"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), 8);
        void Entry(int at, ushort tag, ushort type, uint count, uint value)
        {
            BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at + 4), count);
            if (type == 3) BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at + 8), (ushort)value);
            else BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at + 8), value);
        }
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(8), 2);
        Entry(10, 0x0112, 3, 1, orientation);
        Entry(22, 0x8769, 4, 1, 38);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(38), 1);
        Entry(40, 0x9003, 2, 20, 56);
        System.Text.Encoding.ASCII.GetBytes(dateTimeOriginal).CopyTo(tiff, 56);
        return tiff;
    }

    /// <summary>A JPEG file with an Exif APP1 segment carrying <paramref name="tiff"/> right after its start marker.</summary>
    public static byte[] JpegWithExif(byte[] jpeg, byte[] tiff)
    {
        int length = 2 + 6 + tiff.Length;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. "Exif\0\0"u8, .. tiff];
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    [Fact]
    public void ReadsDateAndOrientationFromAJpeg()
    {
        var metadata = ExifMetadata.Read(JpegWithExif(File.ReadAllBytes(Jpeg), TiffBlock(6, "2023:07:14 18:30:05")));
        Assert.Equal(new ExifMetadata(6, new DateTime(2023, 7, 14, 18, 30, 5)), metadata);
    }

    [Fact]
    public void ReadsTheOrientationSkiaAndPillowSeeInTheFixture()
    {
        Assert.Equal(6, ExifMetadata.Read(File.ReadAllBytes(SharedFixtures.Fixture("preprocess", "images", "exif_orient6_400x300.jpg"))).Orientation);
        Assert.Equal(ExifMetadata.None, ExifMetadata.Read(File.ReadAllBytes(Jpeg)));
    }

    [Fact]
    public void ReadsPngExifChunks()
    {
        var png = File.ReadAllBytes(SharedFixtures.Fixture("preprocess", "images", "rgb_100x50.png"));
        var tiff = TiffBlock(3, "2001:02:03 04:05:06");
        var chunk = new byte[12 + tiff.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)tiff.Length);
        "eXIf"u8.CopyTo(chunk.AsSpan(4));
        tiff.CopyTo(chunk, 8);   // the CRC is not checked by readers of metadata
        int afterHeader = 8 + 12 + 13;
        byte[] withExif = [.. png[..afterHeader], .. chunk, .. png[afterHeader..]];
        Assert.Equal(new ExifMetadata(3, new DateTime(2001, 2, 3, 4, 5, 6)), ExifMetadata.Read(withExif));
    }

    [Fact]
    public void DamagedOrMissingExifGivesWhatIsReadable()
    {
        var jpeg = File.ReadAllBytes(Jpeg);
        var tiff = TiffBlock(8, "not a date at all!!");
        Assert.Equal(new ExifMetadata(8, null), ExifMetadata.Read(JpegWithExif(jpeg, tiff)));
        Assert.Equal(ExifMetadata.None, ExifMetadata.Read(JpegWithExif(jpeg, tiff[..20])));        // IFD cut off
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), 0xFFFFFF00);                        // IFD0 outside the block
        Assert.Equal(ExifMetadata.None, ExifMetadata.Read(JpegWithExif(jpeg, tiff)));
        Assert.Equal(ExifMetadata.None, ExifMetadata.Read([0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 1]));
        Assert.Equal(ExifMetadata.None, ExifMetadata.Read([]));
    }
}
